// The site's charts: Vega-Lite specs built from the page's own data (script#page-data), drawn by vega-embed.
// Every chart has a table beside it with the same figures; without JavaScript the tables remain.
(function () {
  "use strict";
  var holder = document.getElementById("page-data");
  if (!holder || typeof vegaEmbed === "undefined") { return; }
  var data = JSON.parse(holder.textContent);
  var swedish = data.lang === "sv";
  var options = {
    actions: false, renderer: "svg", mode: "vega-lite",
    formatLocale: swedish ? {decimal: ",", thousands: "\u00a0", grouping: [3], currency: ["", "\u00a0kr"]}
                          : {decimal: ".", thousands: ",", grouping: [3], currency: ["", " SEK"]},
  };
  // Okabe and Ito's hues, darkened where needed so that every mark has at least 3:1 contrast on white.
  var colours = ["#0072B2", "#8A5A00", "#007A5A", "#A8467F", "#2A7FB8", "#B84A00", "#666666"];
  var format = data.decimals === 0 ? ",.0f" : ",.1f";

  // A chart is drawn inside its figure's .plot: the outer element keeps role="img" and its description in
  // words (Vega would replace them with its own), and the table beside it has the figures.
  function draw(id, spec) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var plot = element.querySelector(".plot") || element;
    plot.innerHTML = "";
    spec.description = element.getAttribute("aria-label") || "";
    vegaEmbed(plot, spec, options).then(function () {
      element.setAttribute("data-drawn", "true");
      var svg = plot.querySelector("svg");
      if (svg) { svg.setAttribute("focusable", "false"); }
    }).catch(function (error) { element.setAttribute("data-error", String(error)); console.error(error); });
  }

  function narrow(id) {
    var element = document.getElementById(id);
    return element !== null && element.clientWidth < 600;
  }

  function trend() {
    var element = document.getElementById("trend-chart");
    if (!element) { return; }
    var chosen = Array.prototype.map.call(
      document.querySelectorAll("input[name=unit]:checked"), function (box) { return box.value; });
    if (!chosen.length) {  // nothing to draw: say so rather than draw an empty axis
      var message = document.createElement("p");
      message.className = "nochart";
      message.textContent = data.none;
      element.querySelector(".plot").replaceChildren(message);
      element.setAttribute("data-drawn", "true");
      return;
    }
    var rows = data.series.filter(function (row) { return chosen.indexOf(row.unit) >= 0; });
    var withBand = rows.some(function (row) { return row.lower !== null; });
    var small = narrow("trend-chart");
    var colour = {  // each unit keeps its colour whichever units are shown
      field: "unit", type: "nominal", title: null, sort: chosen,
      scale: {domain: chosen, range: chosen.map(function (name) {
        var i = data.units.indexOf(name);
        return name === data.emphasis ? "#000000" : colours[(i + colours.length - 1) % colours.length]; })},
      legend: small ? {orient: "bottom", columns: 1} : {},
    };
    var layers = [
      {mark: {type: "line", point: {filled: true, opacity: 1}, invalid: "break-paths-show-domains"},
       encoding: {y: {field: "value", type: "quantitative", title: data.axis, axis: {format: format}},
                  tooltip: [{field: "unit", type: "nominal"}, {field: "year", type: "ordinal"},
                            {field: "value", type: "quantitative", format: format}]}},
    ];
    if (withBand) {
      layers.push({mark: {type: "area", opacity: 0.15, invalid: "break-paths-show-domains"},
                   encoding: {y: {field: "lower", type: "quantitative"}, y2: {field: "upper"}}});
    }
    draw("trend-chart", {
      width: "container", height: 260, data: {values: rows},
      encoding: {x: {field: "year", type: "ordinal", title: null, axis: {labelAngle: small ? -90 : 0}},
                 color: colour},
      layer: layers,
    });
  }

  var outsideShape = {field: "outside", type: "nominal", legend: null,
                      scale: {domain: [false, true], range: ["circle", "diamond"]}};
  var outsideColour = {field: "outside", type: "nominal", legend: null,
                       scale: {domain: [false, true], range: ["#0072B2", "#B84A00"]}};

  function comparison() {
    if (!data.dots || !data.dots.length) { return; }
    var y = {field: "unit", type: "nominal", title: null, sort: null};
    draw("comparison-chart", {
      width: "container", height: 40 * data.dots.length + 20, data: {values: data.dots},
      layer: [
        {mark: "rule",
         encoding: {y: y, x: {field: "lower", type: "quantitative", title: data.axis}, x2: {field: "upper"}}},
        {mark: {type: "point", filled: true, size: 90, opacity: 1},
         encoding: {y: y, x: {field: "value", type: "quantitative", axis: {format: format}},
                    shape: outsideShape, color: outsideColour,
                    tooltip: [{field: "unit"}, {field: "shown", title: data.axis}]}},
        {mark: {type: "rule", strokeDash: [4, 4], color: "#000000", size: 1.5},
         encoding: {x: {field: "parent", aggregate: "mean", type: "quantitative"}}},
      ],
    });
  }

  function funnel() {
    if (!data.funnel || !data.funnel.length) { return; }
    var x = {field: "denominator", type: "quantitative", title: data.population, scale: {type: "log"}};
    draw("funnel-chart", {
      width: "container", height: 260,
      layer: [
        {data: {values: data.funnel}, mark: {type: "line", color: "#555555"},
         encoding: {x: x, y: {field: "lower", type: "quantitative", title: data.axis, axis: {format: format},
                              scale: {zero: false}},
                    strokeDash: {field: "limit", type: "nominal", title: null}, detail: {field: "limit"}}},
        {data: {values: data.funnel}, mark: {type: "line", color: "#555555"},
         encoding: {x: x, y: {field: "upper", type: "quantitative"},
                    strokeDash: {field: "limit", type: "nominal", title: null}, detail: {field: "limit"}}},
        {data: {values: data.dots}, mark: {type: "rule", color: "#000000"},
         encoding: {y: {field: "parent", aggregate: "mean", type: "quantitative"}}},
        {data: {values: data.dots}, mark: {type: "point", filled: true, size: 90, opacity: 1},
         encoding: {x: x, y: {field: "value", type: "quantitative"}, shape: outsideShape, color: outsideColour,
                    tooltip: [{field: "unit"}, {field: "shown", title: data.axis}]}},
      ],
    });
  }

  function profile() {
    if (!data.profile || !data.profile.length) { return; }
    var v = data.verdicts;
    var verdicts = [v.better, v.worse, v.higher, v.lower, v.similar];
    var y = {field: "indicator", type: "nominal", title: null, sort: null, axis: {labelLimit: 320}};
    draw("profile-chart", {
      width: "container", height: 22 * data.profile.length + 20, data: {values: data.profile},
      layer: [
        {mark: {type: "rule", color: "#000000"}, encoding: {x: {datum: 1, type: "quantitative"}}},
        {mark: {type: "point", filled: true, size: 80, opacity: 1},
         encoding: {y: y,
                    x: {field: "ratio", type: "quantitative", title: data.axis, scale: {type: "log"},
                        axis: {tickCount: narrow("profile-chart") ? 3 : 8}},
                    color: {field: "verdict", type: "nominal", title: null,
                            legend: {orient: "bottom", direction: "horizontal"},
                            scale: {domain: verdicts, range: ["#007A5A", "#B84A00", "#0072B2", "#6A3D9A", "#666666"]}},
                    shape: {field: "verdict", type: "nominal", title: null,
                            scale: {domain: verdicts,
                                    range: ["circle", "diamond", "triangle-up", "triangle-down", "square"]}},
                    tooltip: [{field: "indicator"}, {field: "verdict"}, {field: "ratio", format: ".2f"}]}},
      ],
    });
  }

  document.querySelectorAll("input[name=unit]").forEach(function (box) { box.addEventListener("change", trend); });
  if (data.series) { trend(); }
  comparison();
  funnel();
  profile();
})();
