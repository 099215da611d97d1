// residency HTML report: sorting and filtering of the tables, in plain JavaScript (no
// framework, nothing fetched). With the URL fragment #selftest the page checks itself (sorts
// a column, filters a table, counts the map's markers; on a page with a baseline, sorts and
// filters the diff's tables too) and writes what it found into
// <pre id="selftest">, for the headless browser test.
"use strict";
(function () {
  function cellValue(row, col) {
    var cell = row.cells[col];
    if (!cell) return "";
    var v = cell.getAttribute("data-v");
    if (v !== null) return parseFloat(v);
    return cell.textContent.trim().toLowerCase();
  }
  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
    var numeric = rows.every(function (r) { return typeof cellValue(r, col) === "number"; });
    if (!numeric && !th.hasAttribute("aria-sort")) dir = "ascending";
    rows.forEach(function (r, i) { r._i = i; });
    rows.sort(function (a, b) {
      var x = cellValue(a, col), y = cellValue(b, col);
      var c = numeric ? x - y : (x < y ? -1 : x > y ? 1 : 0);
      if (dir === "descending") c = -c;
      return c !== 0 ? c : a._i - b._i;
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) {
      h.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", dir);
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function filter(table, text) {
    var t = text.trim().toLowerCase();
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      var keep = t === "" || r.textContent.toLowerCase().indexOf(t) >= 0;
      r.hidden = !keep;
      if (keep) shown++;
    });
    return shown;
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "sort";
      b.textContent = th.textContent;
      b.setAttribute("aria-label", "sort by " + th.textContent);
      th.textContent = "";
      th.appendChild(b);
      b.addEventListener("click", function () { sortBy(table, col, th); });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("input[data-table]"), function (input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    if (table) input.addEventListener("input", function () { filter(table, input.value); });
  });

  if (location.hash !== "#selftest") return;
  var out = [];
  var ok = true;
  function check(name, pass, detail) {
    out.push((pass ? "ok " : "FAIL ") + name + (detail ? ": " + detail : ""));
    if (!pass) ok = false;
  }
  function column(table, col) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return cellValue(r, col); });
  }
  function sorted(values, desc) {
    for (var i = 1; i < values.length; i++) {
      if (desc ? values[i - 1] < values[i] : values[i - 1] > values[i]) return false;
    }
    return true;
  }
  // [table, column heading]: the evidence tables on a report's page, the diff's tables on a
  // page with "Changes since the baseline" (and on the page of `residency diff --html`).
  var sorts = [];
  if (document.getElementById("tables")) {
    sorts.push(["t-flows", "bytes sent"], ["t-destinations", "bytes sent"]);
  }
  if (document.getElementById("changes")) {
    sorts.push(["t-diff-totals", "bytes sent: change"]);
    if (document.getElementById("t-diff-placement")) sorts.push(["t-diff-placement", "bytes sent: change"]);
    if (document.getElementById("t-diff-destinations")) sorts.push(["t-diff-destinations", "bytes sent"]);
  }
  sorts.forEach(function (s) {
    var id = s[0], heading = s[1];
    var table = document.getElementById(id);
    if (!table) { check(id + " present", false); return; }
    var heads = table.tHead.rows[0].cells;
    var col = -1;
    Array.prototype.forEach.call(heads, function (h, i) {
      if (col < 0 && h.textContent === heading) col = i;
    });
    if (col < 0) { check(id + " has a column " + heading, false); return; }
    var button = heads[col].querySelector("button");
    button.click();
    var desc = column(table, col);
    check(id + " sorted descending by " + heading, sorted(desc, true), desc.join(","));
    button.click();
    var asc = column(table, col);
    check(id + " sorted ascending by " + heading, sorted(asc, false), asc.join(","));
    out.push("rows " + id + " " + table.tBodies[0].rows.length);
  });
  var dests = document.getElementById("t-diff-destinations");
  var dinput = document.querySelector("input[data-table=t-diff-destinations]");
  if (dests && dinput && dests.tBodies[0].rows.length > 0) {
    var ip = dests.tBodies[0].rows[0].cells[1].textContent;
    dinput.value = ip;
    dinput.dispatchEvent(new Event("input"));
    var kept = Array.prototype.filter.call(dests.tBodies[0].rows, function (r) { return !r.hidden; });
    check("diff filter keeps matching rows", kept.length >= 1 && kept.every(function (r) {
      return r.textContent.indexOf(ip) >= 0;
    }), kept.length + " rows for " + ip);
    dinput.value = "";
    dinput.dispatchEvent(new Event("input"));
  }
  var flows = document.getElementById("t-flows");
  var input = document.querySelector("input[data-table=t-flows]");
  if (flows && input && flows.tBodies[0].rows.length > 0) {
    var first = flows.tBodies[0].rows[0].cells[2].textContent;
    input.value = first;
    input.dispatchEvent(new Event("input"));
    var visible = Array.prototype.filter.call(flows.tBodies[0].rows, function (r) { return !r.hidden; });
    check("filter keeps matching rows", visible.length >= 1 && visible.every(function (r) {
      return r.textContent.indexOf(first) >= 0;
    }), visible.length + " rows for " + first);
    input.value = "";
    input.dispatchEvent(new Event("input"));
  }
  out.push("markers " + document.querySelectorAll("#markers .marker.dest").length);
  out.push("vantages " + document.querySelectorAll("#markers .marker.vantage").length);
  var figures = "[id^=answer-][data-v], [id^=changes-][data-v], [id^=diff-totals-][data-v]";
  Array.prototype.forEach.call(document.querySelectorAll(figures), function (c) {
    out.push("figure " + c.id + " " + c.getAttribute("data-v"));
  });
  out.push(ok ? "selftest pass" : "selftest FAIL");
  var pre = document.getElementById("selftest");
  pre.textContent = out.join("\n");
  pre.hidden = false;
})();
