// Draws the overview's chart from the data the server put on #chart (no inline script, so the
// page's content security policy allows only this file and ECharts).
(function () {
  "use strict";
  var el = document.getElementById("chart");
  if (!el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(el.getAttribute("data-chart"));
  var chart = echarts.init(el);
  chart.setOption({
    title: { text: data.title, left: "center", top: 0, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    legend: { top: 34, data: data.series },
    grid: { top: 72, left: 48, right: 16, bottom: 64 },
    xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, rotate: data.names.length > 8 ? 30 : 0 } },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: data.series[0], type: "bar", data: data.contract },
      { name: data.series[1], type: "bar", data: data.control }
    ],
    animation: false
  });
  window.addEventListener("resize", function () { chart.resize(); });
  el.setAttribute("data-drawn", "true");
})();
