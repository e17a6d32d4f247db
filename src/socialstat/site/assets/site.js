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
  var colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999"];
  var format = data.decimals === 0 ? ",.0f" : ",.1f";

  function draw(id, spec) {
    var element = document.getElementById(id);
    if (!element) { return; }
    element.innerHTML = "";
    vegaEmbed(element, spec, options).then(function () {
      element.setAttribute("data-drawn", "true");
      var svg = element.querySelector("svg");
      if (svg) { svg.setAttribute("aria-hidden", "true"); svg.setAttribute("focusable", "false"); }
    }).catch(function (error) { element.setAttribute("data-error", String(error)); console.error(error); });
  }

  function trend() {
    var chosen = Array.prototype.map.call(
      document.querySelectorAll("input[name=unit]:checked"), function (box) { return box.value; });
    var rows = data.series.filter(function (row) { return chosen.indexOf(row.unit) >= 0; });
    var withBand = rows.some(function (row) { return row.lower !== null; });
    var colour = {field: "unit", type: "nominal", title: null, sort: chosen,
                  scale: {domain: chosen, range: chosen.map(function (name, i) {
                    return name === data.emphasis ? "#000000" : colours[i % colours.length]; })}};
    var layers = [
      {mark: {type: "line", point: true, invalid: "break-paths-show-domains"},
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
      encoding: {x: {field: "year", type: "ordinal", title: null, axis: {labelAngle: 0}}, color: colour},
      layer: layers,
    });
  }

  function comparison() {
    if (!data.dots || !data.dots.length) { return; }
    var y = {field: "unit", type: "nominal", title: null, sort: null};
    draw("comparison-chart", {
      width: "container", height: 40 * data.dots.length + 20, data: {values: data.dots},
      layer: [
        {mark: "rule",
         encoding: {y: y, x: {field: "lower", type: "quantitative", title: data.axis}, x2: {field: "upper"}}},
        {mark: {type: "point", filled: true, size: 90},
         encoding: {y: y, x: {field: "value", type: "quantitative", axis: {format: format}},
                    shape: {field: "outside", type: "nominal", legend: null,
                            scale: {domain: [false, true], range: ["circle", "diamond"]}},
                    color: {field: "outside", type: "nominal", legend: null,
                            scale: {domain: [false, true], range: ["#0072B2", "#D55E00"]}},
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
        {data: {values: data.dots}, mark: {type: "point", filled: true, size: 90},
         encoding: {x: x, y: {field: "value", type: "quantitative"},
                    shape: {field: "outside", type: "nominal", legend: null,
                            scale: {domain: [false, true], range: ["circle", "diamond"]}},
                    color: {field: "outside", type: "nominal", legend: null,
                            scale: {domain: [false, true], range: ["#0072B2", "#D55E00"]}},
                    tooltip: [{field: "unit"}, {field: "shown", title: data.axis}]}},
      ],
    });
  }

  function profile() {
    if (!data.profile || !data.profile.length) { return; }
    var y = {field: "indicator", type: "nominal", title: null, sort: null};
    draw("profile-chart", {
      width: "container", height: 22 * data.profile.length + 20, data: {values: data.profile},
      layer: [
        {mark: {type: "rule", color: "#000000"}, encoding: {x: {datum: 1, type: "quantitative"}}},
        {mark: {type: "point", filled: true, size: 80},
         encoding: {y: y, x: {field: "ratio", type: "quantitative", title: data.axis, scale: {type: "log"}},
                    color: {field: "verdict", type: "nominal", legend: null,
                            scale: {domain: ["better", "worse", "higher", "lower", "similar", "none"],
                                    range: ["#009E73", "#D55E00", "#0072B2", "#0072B2", "#777777", "#777777"]}},
                    tooltip: [{field: "indicator"}, {field: "ratio", format: ".2f"}]}},
      ],
    });
  }

  document.querySelectorAll("input[name=unit]").forEach(function (box) { box.addEventListener("change", trend); });
  if (data.series) { trend(); }
  comparison();
  funnel();
  profile();
})();
