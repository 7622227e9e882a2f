// index.html: the run as one self-contained page for people.
//
// Self-contained means inline CSS, inline JS and inline SVG only: no network
// fetch, no external script, font or stylesheet, so the file opens offline
// from a CI artifact. The page works without JS (everything is rendered here);
// the small script only adds filtering, expand/collapse and copy buttons.
//
// Safety: every string that can come from scenario code (names, params,
// messages, objects, details, locations, stacks, lock names) goes through
// detail::append_escaped before it reaches the page, in element content,
// attribute values and SVG <title>s alike. The script never reads model text;
// it only compares data-* attributes holding escaped text.
//
// Size and speed with thousands of findings: findings are <details> (closed
// except those of failing scenarios and the first of each other one, so the
// browser does not lay them out), each timeline draws the excerpt around the
// events the finding names (the whole stored trace in a closed <details>), and
// once kTotalDrawnEvents events were drawn on the page later findings show
// their summary, locations and replay command without a timeline. Source files
// are read once each. Cost: linear in the report size.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "formats.hpp"
#include "tangle/report/excerpt.hpp"
#include "tangle/report/trace_ops.hpp"
#include "tangle/report/writers.hpp"
#include "text.hpp"

namespace tangle::report {
namespace {

namespace fs = std::filesystem;
using detail::append_escaped;

// Past this many drawn events per page, timelines are omitted (see above).
constexpr std::size_t kTotalDrawnEvents = 60000;
// Events drawn on each side of an event the finding names.
constexpr std::size_t kContextEvents = 6;

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}
std::string num(double v) { return fmt("%.1f", v); }

std::string duration(double s) {
  if (s < 0.001) return "&lt;1 ms";
  if (s < 1) return fmt("%.0f ms", s * 1000);
  if (s < 120) return fmt("%.2f s", s);
  return fmt("%.1f min", s / 60);
}

// Cuts `text` to `n` code points (UTF-8 aware), adding an ellipsis.
std::string truncate(const std::string& text, std::size_t n) {
  std::size_t cps = 0, i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (cps == n) return text.substr(0, i) + "\xE2\x80\xA6";
      ++cps;
    }
  }
  return text;
}

// ---------------------------------------------------------------------------
// Source excerpts

class SourceCache {
 public:
  explicit SourceCache(fs::path root) {
    std::error_code ec;
    if (!root.empty()) root_ = fs::weakly_canonical(root, ec);
    if (ec) root_.clear();
  }

  // The lines of `path` if it is a readable file under the root, else null.
  const std::vector<std::string>* lines(const std::string& path) {
    if (root_.empty() || path.empty()) return nullptr;
    auto [it, inserted] = files_.try_emplace(path);
    if (inserted) it->second = load(path);
    return it->second ? &*it->second : nullptr;
  }

 private:
  std::optional<std::vector<std::string>> load(const std::string& path) const {
    fs::path p(path);
    if (p.is_relative()) p = root_ / p;
    std::error_code ec;
    p = fs::weakly_canonical(p, ec);
    if (ec) return std::nullopt;
    // Refuse anything outside the root ("../../etc/passwd", symlinks out).
    auto rel = p.lexically_relative(root_);
    if (rel.empty() || *rel.begin() == "..") return std::nullopt;
    if (!fs::is_regular_file(p, ec) || fs::file_size(p, ec) > (4u << 20) || ec)
      return std::nullopt;
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
    }
    return lines;
  }

  fs::path root_;
  std::map<std::string, std::optional<std::vector<std::string>>> files_;
};

// ---------------------------------------------------------------------------
// The page

class Page {
 public:
  Page(const RunReport& report, const HtmlOptions& options)
      : r_(report), opt_(options), sources_(options.source_root) {}

  std::string render() {
    out_.reserve(64 * 1024);
    head();
    out_ += "<body>\n<main>\n";
    header();
    filters();
    summary_table();
    findings();
    out_ += "</main>\n";
    script();
    out_ += "</body>\n</html>\n";
    return std::move(out_);
  }

 private:
  void esc(std::string_view text) { append_escaped(out_, text); }

  void head();
  void header();
  void filters();
  void summary_table();
  void findings();
  void scenario_section(const ScenarioResult& s, std::size_t index);
  void finding(const ScenarioResult& s, const Finding& f, const std::string& id, bool open);
  void locations(const Finding& f);
  void access(const std::string& who, const std::string& where, const std::string& extra);
  bool snippet(const std::string& location);
  void cycle_text(const Finding& f);
  void cycle_graph(const Finding& f, const std::string& id);
  void timeline(const Finding& f);
  void lanes(const Finding& f, const std::vector<ExcerptRun>& runs);
  void stacks(const Finding& f);
  void script();

  std::string kinds_attr(const ScenarioResult& s) {
    std::string out;
    for (auto k : detail::found_kinds(s)) {
      if (!out.empty()) out += ' ';
      out += to_string(k);
    }
    return out;
  }

  const RunReport& r_;
  HtmlOptions opt_;
  SourceCache sources_;
  std::string out_;
  std::size_t drawn_events_ = 0;
  std::size_t opened_ = 0;
};

constexpr const char* kStyle = R"CSS(
:root{--fg:#1f2328;--muted:#59636e;--faint:#8c959f;--line:#d1d9e0;--line2:#e8ecf0;--soft:#f6f8fa;
--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--accent:#0969da;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
html{background:#fff}
body{margin:0;color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Liberation Sans",Arial,sans-serif}
main{max-width:1360px;margin:0 auto;padding:28px 32px 80px}
code,pre,.mono{font-family:var(--mono);font-size:12.5px}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
h1{font-size:22px;font-weight:600;margin:0}
h2{font-size:16px;font-weight:600;margin:36px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:15px;font-weight:600;margin:0;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
h4{font-size:11.5px;font-weight:600;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:20px 0 8px}
.top{display:flex;gap:14px;align-items:center;flex-wrap:wrap}
.meta{display:flex;flex-wrap:wrap;gap:6px 22px;margin:10px 0 0;color:var(--muted);font-size:13px}
.meta b{color:var(--fg);font-weight:600}
.meta code{color:var(--fg)}
.badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.pass{color:var(--pass);background:var(--pass-bg)}.badge.fail{color:var(--fail);background:var(--fail-bg)}
.badge.big{font-size:13px;padding:3px 12px}
.badge.incomplete{color:#7d4e00;background:#fff8c5;margin-left:4px}
.banner{margin:14px 0 0;padding:10px 14px;border:1px solid #d4a72c;border-radius:8px;background:#fff8c5;color:#4d2d00}
.kind{display:inline-block;padding:0 6px;border-radius:4px;background:#eef1f4;color:#32383f;font:12px/1.6 var(--mono);white-space:nowrap;margin:1px 2px 1px 0}
.kind.bad{background:var(--fail-bg);color:var(--fail)}
.tag{display:inline-block;padding:0 6px;border-radius:4px;border:1px solid var(--line);color:var(--muted);font-size:11px}
.muted{color:var(--muted)}.faint{color:var(--faint)}
.filters{display:flex;gap:10px 22px;align-items:center;flex-wrap:wrap;margin-top:22px;padding:10px 14px;background:var(--soft);border:1px solid var(--line);border-radius:8px;font-size:13px}
.filters label{display:flex;gap:6px;align-items:center;color:var(--muted)}
select,input{font:inherit;font-size:13px;padding:3px 6px;border:1px solid var(--line);border-radius:6px;background:#fff;color:var(--fg)}
.filters .spacer{flex:1}
button{font:inherit;font-size:12px;padding:3px 10px;border:1px solid var(--line);border-radius:6px;background:#fff;color:var(--fg);cursor:pointer}
button:hover{background:var(--soft);border-color:#afb8c1}
.tablewrap{overflow-x:auto;border:1px solid var(--line);border-radius:8px}
table.summary{border-collapse:collapse;width:100%;font-size:13px}
table.summary th{text-align:left;font-weight:600;color:var(--muted);font-size:12px;padding:8px 10px;background:var(--soft);border-bottom:1px solid var(--line);white-space:nowrap}
table.summary td{padding:7px 10px;border-bottom:1px solid var(--line2);vertical-align:top}
table.summary tr:last-child td{border-bottom:0}
table.summary tbody tr:hover td{background:#fafbfc}
table.summary td.num,table.summary th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.name a{font-weight:600;word-break:break-all}
.params{font:11.5px var(--mono);color:var(--muted);word-break:break-all}
section.scenario{margin:26px 0}
.reason{margin:6px 0 0;color:var(--fail)}
details.finding{border:1px solid var(--line);border-radius:8px;margin:10px 0;background:#fff}
details.finding>summary{cursor:pointer;padding:9px 14px;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap;list-style:none}
details.finding>summary::-webkit-details-marker{display:none}
details.finding>summary::before{content:"\25B8";color:var(--faint);width:10px;display:inline-block}
details.finding[open]>summary::before{content:"\25BE"}
details.finding[open]>summary{border-bottom:1px solid var(--line);background:var(--soft);border-radius:8px 8px 0 0}
details.finding>summary .msg{flex:1;min-width:200px}
.fbody{padding:2px 18px 18px}
.explain{color:var(--muted);max-width:920px;margin:12px 0 0}
.replay{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-top:12px}
.replay code{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:3px 9px;word-break:break-all}
.access{margin:10px 0 2px;font-size:13px}
.access b{font-weight:600}
.src{border:1px solid var(--line);border-radius:6px;overflow-x:auto;margin:4px 0 10px;background:#fcfdfe;max-width:1000px}
.src table{border-collapse:collapse;width:100%}
.src td{padding:0 12px;white-space:pre;font:12px/1.6 var(--mono);tab-size:4}
.src td.ln{color:var(--faint);text-align:right;width:1%;user-select:none;border-right:1px solid var(--line2);padding:0 8px}
.src tr.hit td{background:#fff5d1}.src tr.hit td.ln{color:var(--fg);font-weight:600}
.cyclelist{margin:4px 0 8px;padding-left:20px;font-size:13px}
.graph{display:inline-block;border:1px solid var(--line);border-radius:6px;background:#fff;margin:2px 0 4px}
.timeline{display:flex;border:1px solid var(--line);border-radius:6px;background:#fff;max-width:100%;overflow:hidden}
.timeline svg{display:block;flex:none}
.timeline .lanes{border-right:1px solid var(--line2)}
.tlscroll{overflow-x:auto;flex:1;min-width:0}
.tlscroll svg{min-width:100%}
.legend{display:flex;gap:4px 16px;flex-wrap:wrap;font-size:12px;color:var(--muted);margin:6px 0 0}
.legend i{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px;vertical-align:-1px}
.note{font-size:12px;color:var(--muted);margin:4px 0}
.stacks{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:10px}
.stack{border:1px solid var(--line);border-radius:6px;padding:6px 10px;background:#fcfdfe}
.stack ol{margin:4px 0;padding-left:0;list-style:none;font:12px/1.6 var(--mono);word-break:break-all}
.empty{color:var(--muted);padding:14px;border:1px dashed var(--line);border-radius:8px}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif}
.lane{fill:#f6f8fa}.lane2{fill:#fff}
.lanelabel{fill:#424a53;font-size:12px;font-weight:600}
.tick{fill:#8c959f;font-size:10px}.tickline{stroke:#eaeef2}
.flow{fill:none;stroke:#c9d1d9;stroke-width:1.2}
.hlband{fill:#ffebe9}
.gap rect{fill:#eaeef2}.gap text{fill:#57606a;font-size:10px}
details.fulltrace{margin:6px 0}details.fulltrace>summary{cursor:pointer;font-size:12.5px;color:#0969da;margin-bottom:4px}
.ev circle{stroke:#fff;stroke-width:1.5}
.ev text{fill:#fff;font-size:9px;font-weight:700;text-anchor:middle;dominant-baseline:central;pointer-events:none}
.ev.hl circle{stroke:#cf222e;stroke-width:2.5}
.hllabel{fill:#a40e26;font-size:10.5px}
.evlabel{fill:#59636e;font-size:10.5px;text-anchor:middle}.evlabel.hl{fill:#a40e26;font-weight:600}
.op-acquire circle,i.op-acquire{fill:#0969da;background:#0969da}
.op-release circle,i.op-release{fill:#54aeff;background:#54aeff}
.op-read circle,i.op-read{fill:#2da44e;background:#2da44e}
.op-write circle,i.op-write{fill:#d1580a;background:#d1580a}
.op-wait circle,i.op-wait{fill:#8250df;background:#8250df}
.op-signal circle,i.op-signal{fill:#bf3989;background:#bf3989}
.op-thread circle,i.op-thread{fill:#1b7c83;background:#1b7c83}
.op-choice circle,i.op-choice{fill:#9a6700;background:#9a6700}
.op-other circle,i.op-other{fill:#6e7781;background:#6e7781}
.op-failure circle,i.op-failure{fill:#82071e;background:#82071e}
.gthread circle{fill:#ddf4ff;stroke:#0969da;stroke-width:1.5}
.glock rect{fill:#fff8c5;stroke:#bf8700;stroke-width:1.5}
.gnode text{font-size:12px;fill:#1f2328;text-anchor:middle;dominant-baseline:central}
.gthread text{font-weight:600}
.edge{fill:none;stroke-width:1.6}
.edge.holds{stroke:#57606a}.edge.wants{stroke:#cf222e;stroke-dasharray:6 4}
.elabel{font-size:11px;text-anchor:middle;dominant-baseline:central;paint-order:stroke;stroke:#fff;stroke-width:4px}
.elabel.holds{fill:#57606a}.elabel.wants{fill:#cf222e}
[hidden]{display:none!important}
)CSS";

void Page::head() {
  std::size_t failed = 0;
  for (const auto& s : r_.scenarios) failed += s.verdict == Verdict::fail;
  out_ += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out_ += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  // The run_id every file of the report directory carries (writers.hpp).
  out_ += "<meta name=\"tangle-run-id\" content=\"";
  esc(r_.run_id);
  out_ += "\">\n";
  // No network: a restrictive CSP documents (and enforces) self-containment.
  out_ += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n";
  out_ += "<title>";
  esc(r_.tool.empty() ? "tangle" : r_.tool);
  out_ += " report \xE2\x80\x94 " + std::to_string(r_.scenarios.size()) + " scenarios, " +
          std::to_string(failed) + " unexpected</title>\n<style>";
  out_ += kStyle;
  out_ += "</style>\n</head>\n";
}

void Page::header() {
  std::size_t failed = 0, total_findings = 0;
  for (const auto& s : r_.scenarios) {
    failed += s.verdict == Verdict::fail;
    total_findings += s.findings.size();
  }
  out_ += "<header>\n<div class=\"top\"><h1>";
  esc(r_.tool.empty() ? "tangle" : r_.tool);
  out_ += " report</h1>";
  if (failed == 0)
    out_ += "<span class=\"badge pass big\">all " + std::to_string(r_.scenarios.size()) +
            " scenarios as expected</span>";
  else
    out_ += "<span class=\"badge fail big\">" + std::to_string(failed) + " of " +
            std::to_string(r_.scenarios.size()) + " scenarios unexpected</span>";
  out_ += "<span class=\"muted\">" + std::to_string(total_findings) + " finding" +
          (total_findings == 1 ? "" : "s") + "</span></div>\n<div class=\"meta\">";
  auto item = [&](const char* label, const std::string& value, bool code = false) {
    if (value.empty()) return;
    out_ += "<span>";
    out_ += label;
    out_ += code ? " <code>" : " <b>";
    esc(value);
    out_ += code ? "</code></span>" : "</b></span>";
  };
  item("version", r_.version);
  item("engine", r_.engine);
  item("strategy", r_.strategy + (r_.depth > 0 ? " (depth " + std::to_string(r_.depth) + ")" : ""));
  item("seed", std::to_string(r_.seed));
  if (r_.duration_s > 0) {
    out_ += "<span>duration <b>" + duration(r_.duration_s) + "</b></span>";
  }
  item("command", r_.command, true);
  item("run", r_.run_id, true);
  out_ += "</div>\n";
  // The run did not do all its work: say so before anything else is read.
  auto banner = [&](const std::string& text) {
    out_ += "<div class=\"banner\" role=\"alert\">";
    esc(text);
    out_ += "</div>\n";
  };
  if (!r_.interrupted.empty())
    banner("Interrupted by " + r_.interrupted + ": the results cover only the work done before it.");
  if (!r_.cut_short.empty()) banner("Cut short: " + r_.cut_short + "; the results are partial.");
  out_ += "</header>\n";
}

void Page::filters() {
  std::map<FindingKind, std::size_t> counts;
  for (const auto& s : r_.scenarios)
    for (const auto& f : s.findings) ++counts[f.kind];
  out_ += "<nav class=\"filters\" aria-label=\"filters\">\n"
          "<label>Verdict <select id=\"f-verdict\"><option value=\"\">all</option>"
          "<option value=\"fail\">fail</option><option value=\"pass\">pass</option>"
          "</select></label>\n<label>Kind <select id=\"f-kind\"><option value=\"\">all kinds</option>";
  for (auto& [kind, n] : counts) {
    auto k = std::string(to_string(kind));
    out_ += "<option value=\"" + k + "\">" + k + " (" + std::to_string(n) + ")</option>";
  }
  out_ += "</select></label>\n<label>Name <input id=\"f-name\" type=\"search\" "
          "placeholder=\"filter scenarios\" size=\"22\"></label>\n"
          "<span id=\"f-count\" class=\"muted\"></span><span class=\"spacer\"></span>"
          "<button type=\"button\" id=\"expand-all\">Expand all</button>"
          "<button type=\"button\" id=\"collapse-all\">Collapse all</button>\n</nav>\n";
}

void Page::summary_table() {
  out_ += "<h2>Scenarios</h2>\n<div class=\"tablewrap\"><table class=\"summary\">\n<thead><tr>"
          "<th>Scenario</th><th>Engine</th><th>Strategy</th><th class=\"num\">Seed</th>"
          "<th>Expected</th><th>Found</th><th>Verdict</th><th class=\"num\">Executions</th>"
          "<th class=\"num\">First failing</th><th class=\"num\">Time</th></tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < r_.scenarios.size(); ++i) {
    const auto& s = r_.scenarios[i];
    bool has_section = !s.findings.empty() || s.verdict == Verdict::fail;
    out_ += "<tr data-verdict=\"" + std::string(to_string(s.verdict)) + "\" data-kinds=\"" +
            kinds_attr(s) + "\" data-name=\"";
    esc(s.name);
    out_ += "\"><td class=\"name\">";
    if (has_section) out_ += "<a href=\"#s" + std::to_string(i) + "\">";
    esc(s.name);
    if (has_section) out_ += "</a>";
    if (!s.params.empty()) {
      out_ += "<div class=\"params\">";
      bool first = true;
      for (const auto& [k, v] : s.params) {
        if (!first) out_ += " ";
        first = false;
        esc(k);
        out_ += '=';
        esc(v);
      }
      out_ += "</div>";
    }
    out_ += "</td><td>";
    esc(r_.engine);
    out_ += "</td><td>";
    esc(r_.strategy);
    if (r_.depth > 0) out_ += " <span class=\"faint\">d=" + std::to_string(r_.depth) + "</span>";
    out_ += "</td><td class=\"num\">" + std::to_string(r_.seed) + "</td><td>";
    if (s.expected.empty()) out_ += "<span class=\"faint\">none</span>";
    for (auto k : s.expected) out_ += "<span class=\"kind\">" + std::string(to_string(k)) + "</span>";
    out_ += "</td><td>";
    std::map<FindingKind, std::size_t> found;
    for (const auto& f : s.findings) ++found[f.kind];
    if (found.empty()) out_ += "<span class=\"faint\">none</span>";
    for (auto& [k, n] : found) {
      bool expected = std::find(s.expected.begin(), s.expected.end(), k) != s.expected.end();
      out_ += std::string("<span class=\"kind") + (expected ? "" : " bad") + "\">" +
              std::string(to_string(k)) + (n > 1 ? " \xC3\x97" + std::to_string(n) : "") + "</span>";
    }
    out_ += "</td><td><span class=\"badge " + std::string(to_string(s.verdict)) + "\">" +
            std::string(to_string(s.verdict)) + "</span>";
    if (!s.complete) {
      out_ += "<span class=\"badge incomplete\" title=\"";
      esc(s.incomplete_reason);
      out_ += "\">incomplete</span><div class=\"params\">";
      esc(s.incomplete_reason);
      out_ += "</div>";
    }
    out_ += "</td>";
    out_ += "<td class=\"num\">" + std::to_string(s.executions) + "</td><td class=\"num\">";
    out_ += s.first_failure_execution ? std::to_string(*s.first_failure_execution)
                                      : "<span class=\"faint\">\xE2\x80\x94</span>";
    out_ += "</td><td class=\"num\">" + duration(s.duration_s) + "</td></tr>\n";
  }
  out_ += "</tbody></table></div>\n";
}

void Page::findings() {
  out_ += "<h2>Findings</h2>\n";
  bool any = false;
  // Unexpected outcomes first: they are why someone opened this page.
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < r_.scenarios.size(); ++i) {
      const auto& s = r_.scenarios[i];
      if ((s.verdict == Verdict::fail) != (pass == 0)) continue;
      if (s.findings.empty() && s.verdict == Verdict::pass) continue;
      any = true;
      scenario_section(s, i);
    }
  }
  if (!any) out_ += "<p class=\"empty\">No findings in this run.</p>\n";
}

void Page::scenario_section(const ScenarioResult& s, std::size_t index) {
  std::string id = "s" + std::to_string(index);
  out_ += "<section class=\"scenario\" id=\"" + id + "\" data-verdict=\"" +
          std::string(to_string(s.verdict)) + "\" data-kinds=\"" + kinds_attr(s) +
          "\" data-name=\"";
  esc(s.name);
  out_ += "\">\n<h3>";
  esc(s.name);
  out_ += " <span class=\"badge " + std::string(to_string(s.verdict)) + "\">" +
          std::string(to_string(s.verdict)) + "</span><span class=\"muted\" "
          "style=\"font-weight:400;font-size:13px\">expected: " +
          detail::join_kinds(s.expected) + " \xC2\xB7 " + std::to_string(s.findings.size()) +
          " finding" + (s.findings.size() == 1 ? "" : "s") + "</span></h3>\n";
  if (s.verdict == Verdict::fail) {
    out_ += "<p class=\"reason\">";
    esc(detail::failure_reason(s));
    out_ += "</p>\n";
  }
  for (std::size_t j = 0; j < s.findings.size(); ++j) {
    // Every finding of a failing scenario is open (each is something to
    // act on); of the others the first, while the page is small.
    bool open = s.verdict == Verdict::fail || (j == 0 && opened_ < opt_.open_findings);
    opened_ += open;
    finding(s, s.findings[j], id + "-f" + std::to_string(j), open);
  }
  out_ += "</section>\n";
}

void Page::finding(const ScenarioResult& s, const Finding& f, const std::string& id, bool open) {
  auto kind = std::string(to_string(f.kind));
  bool expected = std::find(s.expected.begin(), s.expected.end(), f.kind) != s.expected.end();
  out_ += "<details class=\"finding\" id=\"" + id + "\" data-kind=\"" + kind + "\"" +
          (open ? " open" : "") + ">\n<summary><span class=\"kind" + (expected ? "" : " bad") +
          "\">" + kind + "</span><span class=\"msg\">";
  esc(f.message.empty() ? kind : f.message);
  out_ += "</span>";
  if (f.source == "tsan") out_ += "<span class=\"tag\">ThreadSanitizer</span>";
  out_ += "<span class=\"faint\">execution " + std::to_string(f.first_execution);
  if (f.occurrences > 1) out_ += " \xC2\xB7 seen " + std::to_string(f.occurrences) + "\xC3\x97";
  if (!f.threads.empty()) {
    out_ += " \xC2\xB7 threads";
    for (int t : f.threads) out_ += " T" + std::to_string(t);
  }
  out_ += "</span></summary>\n<div class=\"fbody\">\n<p class=\"explain\">";
  esc(explain(f.kind));
  if (expected) out_ += " <i>This scenario is expected to have this bug.</i>";
  out_ += "</p>\n";
  if (!f.replay.empty()) {
    std::string command = r_.replay_command + " " + f.replay;
    out_ += "<div class=\"replay\"><span class=\"muted\">Replay this interleaving:</span><code>";
    esc(command);
    out_ += "</code><button type=\"button\" class=\"copy\" data-copy=\"";
    esc(command);
    out_ += "\">Copy</button>";
    if (!f.trace_hash.empty()) {
      out_ += "<span class=\"faint mono\" title=\"trace hash: identical on every replay\">#";
      esc(truncate(f.trace_hash, 16));
      out_ += "</span>";
    }
    out_ += "</div>\n";
  }
  if (!f.replay_note.empty()) {
    out_ += "<p class=\"muted\">";
    esc(f.replay_note);
    out_ += "</p>\n";
  }
  locations(f);
  if (!f.cycle.empty()) {
    out_ += f.kind == FindingKind::lock_order_inversion ? "<h4>Lock-order cycle</h4>\n"
                                                        : "<h4>Wait-for cycle</h4>\n";
    cycle_text(f);
    cycle_graph(f, id);
  }
  if (!f.trace.empty()) timeline(f);
  if (!f.stacks.empty()) stacks(f);
  out_ += "</div>\n</details>\n";
}

void Page::access(const std::string& who, const std::string& where, const std::string& extra) {
  out_ += "<div class=\"access\">";
  out_ += who;  // already escaped by the caller
  if (!where.empty()) {
    out_ += " at <code>";
    esc(where);
    out_ += "</code>";
  }
  if (!extra.empty()) out_ += " <span class=\"faint\">" + extra + "</span>";
  out_ += "</div>\n";
  if (!where.empty()) snippet(where);
}

// The conflicting accesses (the highlighted events) and the finding's
// locations, each with a few lines of source around it.
void Page::locations(const Finding& f) {
  std::vector<const TraceEvent*> key;
  std::set<std::string> seen;
  for (const auto& e : f.trace) {
    if (!e.highlight) continue;
    std::string k = std::to_string(e.thread) + '|' + e.op + '|' + e.location;
    if (seen.insert(k).second) key.push_back(&e);
  }
  constexpr std::size_t kMaxShown = 6;
  if (key.size() > kMaxShown) key.erase(key.begin(), key.end() - kMaxShown);
  std::set<std::string> shown_locations;
  bool race = f.kind == FindingKind::data_race || f.kind == FindingKind::tsan_report;
  if (!key.empty()) {
    out_ += race ? "<h4>Conflicting accesses</h4>\n" : "<h4>Key events</h4>\n";
    for (const auto* e : key) {
      std::string who = "<b>T" + std::to_string(e->thread) + "</b> " + detail::escaped(e->op);
      if (!e->object.empty()) who += " <code>" + detail::escaped(e->object) + "</code>";
      std::string extra = "step " + std::to_string(e->step);
      if (!e->detail.empty()) extra += " \xC2\xB7 " + detail::escaped(e->detail);
      access(who, e->location, extra);
      shown_locations.insert(e->location);
    }
  }
  std::vector<const std::string*> rest;
  for (const auto& loc : f.locations)
    if (shown_locations.insert(loc).second) rest.push_back(&loc);
  if (rest.size() > kMaxShown) rest.resize(kMaxShown);
  if (!rest.empty()) {
    out_ += key.empty() ? "<h4>Where</h4>\n" : "<h4>Other locations</h4>\n";
    for (const auto* loc : rest) access("", *loc, "");
  }
}

bool Page::snippet(const std::string& location) {
  auto pos = detail::parse_location(location);
  if (!pos) return false;
  const auto* lines = sources_.lines(pos->path);
  if (!lines || pos->line > static_cast<int>(lines->size())) return false;
  int from = std::max(1, pos->line - opt_.context_lines);
  int to = std::min(static_cast<int>(lines->size()), pos->line + opt_.context_lines);
  out_ += "<div class=\"src\"><table>";
  for (int n = from; n <= to; ++n) {
    out_ += n == pos->line ? "<tr class=\"hit\">" : "<tr>";
    out_ += "<td class=\"ln\">" + std::to_string(n) + "</td><td>";
    esc(truncate((*lines)[n - 1], 240));
    out_ += "</td></tr>";
  }
  out_ += "</table></div>\n";
  return true;
}

void Page::cycle_text(const Finding& f) {
  bool inversion = f.kind == FindingKind::lock_order_inversion;
  out_ += "<ul class=\"cyclelist\">";
  for (const auto& e : f.cycle) {
    out_ += "<li><b>T" + std::to_string(e.thread) + "</b>";
    if (!e.holds.empty()) {
      out_ += " holds <code>";
      esc(e.holds);
      out_ += "</code> and";
    }
    out_ += inversion ? " then takes <code>" : " wants <code>";
    esc(e.wants);
    out_ += "</code>";
    if (e.other_thread >= 0)
      out_ += std::string(inversion ? " (taken first by <b>T" : " (held by <b>T") +
              std::to_string(e.other_thread) + "</b>)";
    if (!e.location.empty()) {
      out_ += " <span class=\"faint\">at</span> <code>";
      esc(e.location);
      out_ += "</code>";
    }
    out_ += "</li>";
  }
  out_ += "</ul>\n";
}

// The cycle as a graph: threads (circles) and locks (boxes) on a circle in
// cycle order, "held by" edges lock -> thread and "wants" edges thread ->
// lock, so a deadlock reads as a directed loop. Edges are slightly curved so
// that a pair of opposite edges between the same two nodes stays apart.
void Page::cycle_graph(const Finding& f, const std::string& id) {
  struct Node {
    bool thread;
    std::string label;
    double x = 0, y = 0, hw = 0, hh = 0;  // centre, half extent
  };
  std::vector<Node> nodes;
  std::map<std::string, std::size_t> index;
  auto node = [&](bool thread, const std::string& label) {
    std::string key = (thread ? "t:" : "l:") + label;
    auto [it, inserted] = index.try_emplace(key, nodes.size());
    if (inserted) nodes.push_back({thread, label});
    return it->second;
  };
  struct Edge {
    std::size_t from, to;
    bool wants;
  };
  std::vector<Edge> edges;
  // Walk order T0, wants(T0), T1, wants(T1)…: in a wait-for cycle the holder
  // of wants(Ti) is T(i+1), so neighbours on the circle are joined by edges.
  for (const auto& e : f.cycle) {
    node(true, "T" + std::to_string(e.thread));
    node(false, e.wants);
  }
  for (const auto& e : f.cycle) {
    auto t = node(true, "T" + std::to_string(e.thread));
    edges.push_back({t, node(false, e.wants), true});
    if (!e.holds.empty()) edges.push_back({node(false, e.holds), t, false});
    if (e.other_thread >= 0) {
      auto other = node(true, "T" + std::to_string(e.other_thread));
      Edge held{node(false, e.wants), other, false};
      bool dup = false;
      for (const auto& x : edges) dup |= x.from == held.from && x.to == held.to && !x.wants;
      if (!dup) edges.push_back(held);
    }
  }
  // Dedupe edges (a holds edge can be stated twice).
  std::vector<Edge> unique;
  for (const auto& e : edges) {
    bool dup = false;
    for (const auto& u : unique) dup |= u.from == e.from && u.to == e.to && u.wants == e.wants;
    if (!dup) unique.push_back(e);
  }
  edges.swap(unique);

  const std::size_t n = nodes.size();
  for (auto& v : nodes) {
    if (v.thread) {
      v.hw = v.hh = 22;
    } else {
      v.label = truncate(v.label, 22);
      std::size_t cps = 0;
      for (unsigned char c : v.label) cps += (c & 0xC0) != 0x80;
      v.hw = std::max<double>(34, 3.7 * static_cast<double>(cps) + 14);
      v.hh = 15;
    }
  }
  double radius = n <= 2 ? 120 : std::max(110.0, 48.0 * static_cast<double>(n) / 2.0);
  double max_hw = 0;
  for (const auto& v : nodes) max_hw = std::max(max_hw, v.hw);
  double pad = 30 + max_hw;
  double cx = radius + pad, cy = radius * (n <= 2 ? 0.45 : 1.0) + 40;
  double width = 2 * (radius + pad);
  double height = 2 * (cy);
  const double kPi = 3.14159265358979323846;
  for (std::size_t i = 0; i < n; ++i) {
    // Start at the left, go clockwise; two nodes sit side by side.
    double angle = kPi + 2 * kPi * static_cast<double>(i) / static_cast<double>(n);
    nodes[i].x = cx + radius * std::cos(angle);
    nodes[i].y = cy + (n <= 2 ? 0 : radius * std::sin(angle));
  }

  out_ += "<div class=\"graph\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) +
          "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
          "\" role=\"img\" aria-label=\"cycle graph\"><defs>";
  for (const char* cls : {"holds", "wants"}) {
    out_ += "<marker id=\"" + id + "-" + cls +
            "\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
            "orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"" +
            (std::string(cls) == "holds" ? "#57606a" : "#cf222e") + "\"/></marker>";
  }
  out_ += "</defs>";
  // Where a ray from the centre of `v` towards (dx, dy) leaves its shape.
  auto boundary = [](const Node& v, double dx, double dy) {
    double len = std::hypot(dx, dy);
    if (len == 0) return 0.0;
    if (v.thread) return v.hw + 3;
    double tx = std::abs(dx) > 1e-9 ? v.hw / std::abs(dx) : 1e9;
    double ty = std::abs(dy) > 1e-9 ? v.hh / std::abs(dy) : 1e9;
    return std::min(tx, ty) * len + 3;
  };
  std::string labels;
  for (const auto& e : edges) {
    const auto& a = nodes[e.from];
    const auto& b = nodes[e.to];
    double dx = b.x - a.x, dy = b.y - a.y;
    double len = std::hypot(dx, dy);
    if (len < 1) continue;
    // Control point: offset to the right of a->b by 18% of the length.
    double bend = 0.18 * len;
    double mx = (a.x + b.x) / 2 - dy / len * bend, my = (a.y + b.y) / 2 + dx / len * bend;
    double sa = boundary(a, mx - a.x, my - a.y), sb = boundary(b, mx - b.x, my - b.y);
    double la = std::hypot(mx - a.x, my - a.y), lb = std::hypot(mx - b.x, my - b.y);
    double x1 = a.x + (mx - a.x) / la * sa, y1 = a.y + (my - a.y) / la * sa;
    double x2 = b.x + (mx - b.x) / lb * sb, y2 = b.y + (my - b.y) / lb * sb;
    const char* cls = e.wants ? "wants" : "holds";
    out_ += "<path class=\"edge " + std::string(cls) + "\" d=\"M" + num(x1) + "," + num(y1) +
            " Q" + num(mx) + "," + num(my) + " " + num(x2) + "," + num(y2) +
            "\" marker-end=\"url(#" + id + "-" + cls + ")\"><title>";
    std::string text;
    if (e.wants)
      text = a.label + (f.kind == FindingKind::lock_order_inversion ? " then takes " : " wants ") +
             b.label;
    else
      text = a.label + " is held by " + b.label;
    esc(text);
    out_ += "</title></path>";
    // Label at the curve's midpoint (t = 0.5 of the quadratic).
    double lx = 0.25 * x1 + 0.5 * mx + 0.25 * x2, ly = 0.25 * y1 + 0.5 * my + 0.25 * y2;
    labels += "<text class=\"elabel " + std::string(cls) + "\" x=\"" + num(lx) + "\" y=\"" +
              num(ly) + "\">" +
              (e.wants ? (f.kind == FindingKind::lock_order_inversion ? "then takes" : "wants")
                       : "held by") +
              "</text>";
  }
  out_ += labels;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& v = nodes[i];
    if (v.thread) {
      out_ += "<g class=\"gnode gthread\"><title>thread " + v.label.substr(1) + "</title>"
              "<circle cx=\"" + num(v.x) + "\" cy=\"" + num(v.y) + "\" r=\"" + num(v.hw) + "\"/>";
    } else {
      out_ += "<g class=\"gnode glock\"><title>";
      esc(v.label);
      out_ += "</title><rect x=\"" + num(v.x - v.hw) + "\" y=\"" + num(v.y - v.hh) +
              "\" width=\"" + num(2 * v.hw) + "\" height=\"" + num(2 * v.hh) + "\" rx=\"5\"/>";
    }
    out_ += "<text x=\"" + num(v.x) + "\" y=\"" + num(v.y) + "\">";
    esc(v.label);
    out_ += "</text></g>";
  }
  out_ += "</svg></div>\n<div class=\"legend\"><span>\xE2\x97\x8B thread</span>"
          "<span>\xE2\x96\xA1 lock</span><span style=\"color:#57606a\">\xE2\x86\x92 held by "
          "(the thread holds the lock)</span><span style=\"color:#cf222e\">\xE2\x87\xA2 ";
  out_ += f.kind == FindingKind::lock_order_inversion
              ? "then takes (acquired while holding the other)"
              : "wants (blocked waiting for it)";
  out_ += "</span></div>\n";
}

// Operation classes (trace_ops.hpp) for colour and the letter inside a
// timeline mark. The CSS class is "op-" + the class's name.
struct OpStyle {
  std::string cls;
  char letter;
};
OpStyle op_style(const std::string& op) {
  const OpClass op_class = classify_op(op);
  std::string cls = "op-" + std::string(to_string(op_class));
  switch (op_class) {  // no default: a new class must get its letter here
    case OpClass::acquire: return {cls, 'L'};
    case OpClass::release: return {cls, 'U'};
    case OpClass::read: return {cls, 'R'};
    case OpClass::write: return {cls, 'W'};
    case OpClass::wait: return {cls, 'w'};
    case OpClass::signal: return {cls, 'N'};
    case OpClass::thread: return {cls, 'T'};
    case OpClass::choice: return {cls, '?'};
    case OpClass::failure: return {cls, '!'};
    case OpClass::other: break;
  }
  // Anything else: its first letter, so a new operation is at least legible.
  char c = op.empty() ? '?' : op[0];
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '?';
  return {cls, c};
}

// The interleaving as a swimlane timeline: one lane per thread, one mark per
// event in execution order, a thin line following the order (vertical jumps
// are context switches), highlighted events ringed in red on a red band.
// What is drawn is the excerpt (excerpt.hpp): the events the finding names
// with kContextEvents around each, elided stretches drawn as a "…N…" column;
// when the stored trace holds more, a closed <details> below draws all of it
// (the browser lays it out only when opened).
void Page::timeline(const Finding& f) {
  out_ += "<h4>Interleaving</h4>\n";
  const std::vector<ExcerptRun> runs = excerpt(f, kContextEvents, opt_.max_trace_events);
  const std::size_t count = shown_events(runs);
  if (drawn_events_ + count > kTotalDrawnEvents) {
    out_ += "<p class=\"note\">Timeline omitted to keep this page small (" +
            std::to_string(kTotalDrawnEvents) +
            " events already drawn); the full trace is in results.json, or replay it.</p>\n";
    return;
  }
  drawn_events_ += count;
  const std::uint64_t total = std::max<std::uint64_t>(f.trace_length, f.trace.size());
  const bool named = std::any_of(f.trace.begin(), f.trace.end(), [](const TraceEvent& e) { return e.highlight; });
  if (total > count)
    out_ += "<p class=\"note\">" + std::to_string(count) + " of " + std::to_string(total) + " events: " +
            (named ? "the events of the finding with " + std::to_string(kContextEvents) + " on each side"
                   : std::string("the last ones")) +
            "; elided stretches are marked \xE2\x80\xA6</p>\n";
  lanes(f, runs);
  const std::vector<ExcerptRun> all = whole_trace(f);
  const std::size_t stored = shown_events(all);
  if (stored > count && drawn_events_ + stored <= kTotalDrawnEvents) {
    drawn_events_ += stored;
    out_ += "<details class=\"fulltrace\"><summary>Show the whole trace (" + std::to_string(stored) +
            (stored < total ? " stored of " + std::to_string(total) : std::string()) + " events)</summary>\n";
    lanes(f, all);
    out_ += "</details>\n";
  }
  out_ += "<div class=\"legend\"><span><i class=\"op-acquire\"></i>L lock / acquire</span>"
          "<span><i class=\"op-release\"></i>U unlock / release</span><span><i class=\"op-read\"></i>R read"
          "</span><span><i class=\"op-write\"></i>W write</span><span><i class=\"op-wait\"></i>"
          "w wait</span><span><i class=\"op-signal\"></i>N notify / set</span><span><i class=\"op-thread\">"
          "</i>T spawn / join</span><span><i class=\"op-choice\"></i>? data choice</span><span><i "
          "class=\"op-failure\"></i>! check failed</span><span><i class=\"op-other\"></i>other</span><span style=\"color:#cf222e\">"
          "\xE2\x97\x8E part of the finding</span><span>\xE2\x80\xA6 events elided</span><span>hover a mark for details</span></div>\n";
}

// One swimlane drawing of `runs`: a column per event, and a narrower column
// per elided stretch.
void Page::lanes(const Finding& f, const std::vector<ExcerptRun>& runs) {
  // Slots left to right: an event (its index in f.trace) or a gap (its size).
  struct Slot {
    const TraceEvent* event = nullptr;
    std::uint64_t skipped = 0;
  };
  std::vector<Slot> slots;
  for (const auto& run : runs) {
    if (run.skipped_before > 0) slots.push_back({nullptr, run.skipped_before});
    for (std::size_t i = run.begin; i < run.end; ++i) slots.push_back({&f.trace[i], 0});
    if (&run == &runs.back() && run.skipped_after > 0) slots.push_back({nullptr, run.skipped_after});
  }
  std::size_t count = 0;
  std::vector<int> threads;
  for (const auto& slot : slots)
    if (slot.event) {
      ++count;
      threads.push_back(slot.event->thread);
    }
  std::sort(threads.begin(), threads.end());
  threads.erase(std::unique(threads.begin(), threads.end()), threads.end());
  std::map<int, std::size_t> lane;
  for (std::size_t i = 0; i < threads.size(); ++i) lane[threads[i]] = i;

  // Short traces get room for a label under every mark; long ones label only
  // the highlighted events (the rest is in the tooltips).
  const bool roomy = count <= 16;  // 16 x 72 px fits a 1280 px page
  // Lane labels sit in their own narrow SVG outside the scrolling part, so
  // they stay visible while a long timeline scrolls.
  const double label_w = 48, left = 6, top = 24, lane_h = roomy ? 50 : 44;
  const double dx = roomy ? 72 : count <= 60 ? 30 : 20;
  const double gap_w = 56;  // room for "…12345…" inside the band
  std::vector<double> xs;  // centre of each slot
  double x = left;
  for (const auto& slot : slots) {
    const double w = slot.event ? dx : gap_w;
    xs.push_back(x + w / 2);
    x += w;
  }
  const double width = x + (roomy ? 16 : 150);
  const double height = top + lane_h * static_cast<double>(threads.size()) + 10;
  out_ += "<div class=\"timeline\"><svg class=\"lanes\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
          num(label_w) + "\" height=\"" + num(height) + "\">";
  for (std::size_t i = 0; i < threads.size(); ++i) {
    double y = top + lane_h * static_cast<double>(i);
    out_ += "<rect class=\"" + std::string(i % 2 ? "lane2" : "lane") + "\" x=\"0\" y=\"" + num(y) +
            "\" width=\"" + num(label_w) + "\" height=\"" + num(lane_h) +
            "\"/><text class=\"lanelabel\" x=\"12\" y=\"" + num(y + lane_h / 2 + 4) + "\">" +
            (threads[i] < 0 ? std::string("main") : "T" + std::to_string(threads[i])) + "</text>";
  }
  out_ += "</svg><div class=\"tlscroll\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
          num(width) + "\" height=\"" + num(height) + "\" role=\"img\" aria-label=\"interleaving\">";
  for (std::size_t i = 0; i < threads.size(); ++i)
    out_ += "<rect class=\"" + std::string(i % 2 ? "lane2" : "lane") + "\" x=\"0\" y=\"" +
            num(top + lane_h * static_cast<double>(i)) + "\" width=\"100%\" height=\"" +
            num(lane_h) + "\"/>";
  auto y_of = [&](int thread) {
    return top + lane_h * static_cast<double>(lane[thread]) + (roomy ? lane_h / 2 - 6 : lane_h / 2);
  };
  const double lanes_h = lane_h * static_cast<double>(threads.size());
  // Step ticks (every `every`-th event of a run, and each run's first),
  // labelled with the event's step; gaps as a hatched column.
  std::size_t every = roomy ? 1 : count <= 60 ? 5 : 10;
  for (std::size_t i = 0, in_run = 0; i < slots.size(); ++i) {
    if (!slots[i].event) {
      in_run = 0;
      out_ += "<g class=\"gap\"><title>" + std::to_string(slots[i].skipped) + " events elided</title><rect x=\"" +
              num(xs[i] - gap_w / 2 + 4) + "\" y=\"" + num(top) + "\" width=\"" + num(gap_w - 8) + "\" height=\"" +
              num(lanes_h) + "\"/><text x=\"" + num(xs[i]) + "\" y=\"" + num(top + lanes_h / 2) +
              "\" text-anchor=\"middle\" dominant-baseline=\"central\">\xE2\x80\xA6" +
              std::to_string(slots[i].skipped) + "\xE2\x80\xA6</text></g>";
      continue;
    }
    const auto& e = *slots[i].event;
    if (e.highlight)
      out_ += "<rect class=\"hlband\" x=\"" + num(xs[i] - dx / 2 + 1) + "\" y=\"" + num(top) +
              "\" width=\"" + num(dx - 2) + "\" height=\"" + num(lanes_h) + "\"/>";
    if (in_run++ % every == 0)
      out_ += "<text class=\"tick\" x=\"" + num(xs[i]) + "\" y=\"15\" text-anchor=\"middle\">" +
              std::to_string(e.step) + "</text>";
  }
  // The order line, broken at each gap.
  out_ += "<polyline class=\"flow\" points=\"";
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (!slots[i].event) {
      out_ += "\"/><polyline class=\"flow\" points=\"";
      continue;
    }
    out_ += num(xs[i]) + "," + num(y_of(slots[i].event->thread)) + " ";
  }
  out_ += "\"/>";
  std::string labels;
  int highlighted = 0;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (!slots[i].event) continue;
    const auto& e = *slots[i].event;
    auto style = op_style(e.op);
    double ex = xs[i], y = y_of(e.thread);
    out_ += "<g class=\"ev " + style.cls + (e.highlight ? " hl" : "") + "\"><title>";
    std::string tip = "step " + std::to_string(e.step) + " \xC2\xB7 " +
                      (e.thread < 0 ? std::string("main") : "T" + std::to_string(e.thread)) + " " + e.op +
                      (e.object.empty() ? "" : " " + e.object);
    if (!e.location.empty()) tip += "\n" + e.location;
    if (!e.detail.empty()) tip += "\n" + e.detail;
    esc(tip);
    out_ += "</title><circle cx=\"" + num(ex) + "\" cy=\"" + num(y) + "\" r=\"" +
            (e.highlight ? "9" : "7.5") + "\"/><text x=\"" + num(ex) + "\" y=\"" + num(y) + "\">" +
            style.letter + "</text></g>";
    if (roomy) {
      // Under the mark: the object (or the op when there is none), centred.
      // Long names lose their type word first ("mutex queue_mutex" -> "queue_mutex").
      std::string text = e.object.empty() ? e.op : e.object;
      if (text.size() > 11 && text.find(' ') != std::string::npos)
        text = text.substr(text.find(' ') + 1);
      labels += "<text class=\"evlabel" + std::string(e.highlight ? " hl" : "") + "\" x=\"" +
                num(ex) + "\" y=\"" + num(y + 19) + "\">" + detail::escaped(truncate(text, 10)) +
                "</text>";
    } else if (e.highlight) {
      // Alternate label above/below so neighbouring labels collide less.
      double ly = y + ((highlighted++ % 2) ? -13 : 19.5);
      labels += "<text class=\"hllabel\" x=\"" + num(ex + 4) + "\" y=\"" + num(ly) + "\">" +
                detail::escaped(truncate(e.op + (e.object.empty() ? "" : " " + e.object), 24)) +
                "</text>";
    }
  }
  out_ += labels;
  out_ += "</svg></div></div>\n";
}

void Page::stacks(const Finding& f) {
  out_ += "<h4>ThreadSanitizer stacks</h4>\n<div class=\"stacks\">";
  std::size_t n = 0;
  for (const auto& stack : f.stacks) {
    out_ += "<div class=\"stack\"><div class=\"muted\">stack " + std::to_string(++n) + "</div><ol>";
    std::size_t shown = 0;
    for (const auto& frame : stack) {
      if (++shown > 40) {
        out_ += "<li>\xE2\x80\xA6</li>";
        break;
      }
      out_ += "<li>";
      esc(frame);
      out_ += "</li>";
    }
    out_ += "</ol></div>";
  }
  out_ += "</div>\n";
}

constexpr const char* kScript = R"JS(
(function () {
  'use strict';
  var $ = function (sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); };
  var verdict = document.getElementById('f-verdict');
  var kind = document.getElementById('f-kind');
  var name = document.getElementById('f-name');
  var count = document.getElementById('f-count');
  var rows = $('table.summary tbody tr');
  var sections = $('section.scenario');
  var findings = $('details.finding');
  function matches(el) {
    var v = verdict.value, k = kind.value, q = name.value.trim().toLowerCase();
    if (v && el.getAttribute('data-verdict') !== v) return false;
    if (k && (' ' + el.getAttribute('data-kinds') + ' ').indexOf(' ' + k + ' ') < 0) return false;
    if (q && el.getAttribute('data-name').toLowerCase().indexOf(q) < 0) return false;
    return true;
  }
  function apply() {
    var shown = 0;
    rows.forEach(function (r) { var m = matches(r); r.hidden = !m; if (m) shown++; });
    sections.forEach(function (s) { s.hidden = !matches(s); });
    var k = kind.value;
    findings.forEach(function (d) { d.hidden = !!k && d.getAttribute('data-kind') !== k; });
    count.textContent = shown + ' of ' + rows.length + ' scenarios shown';
  }
  [verdict, kind].forEach(function (el) { el.addEventListener('change', apply); });
  name.addEventListener('input', apply);
  document.getElementById('expand-all').addEventListener('click', function () {
    findings.forEach(function (d) { if (!d.hidden) d.open = true; });
  });
  document.getElementById('collapse-all').addEventListener('click', function () {
    findings.forEach(function (d) { d.open = false; });
  });
  function copied(button) {
    button.textContent = 'Copied';
    setTimeout(function () { button.textContent = 'Copy'; }, 1500);
  }
  function fallbackCopy(text, button) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    try { if (document.execCommand('copy')) copied(button); } catch (e) { /* ignore */ }
    document.body.removeChild(area);
  }
  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('button.copy') : null;
    if (!button) return;
    var text = button.getAttribute('data-copy');
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button); },
                                               function () { fallbackCopy(text, button); });
    } else {
      fallbackCopy(text, button);
    }
  });
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === 'DETAILS') el.open = true;
    if (el && el.tagName === 'SECTION') {
      var first = el.querySelector('details.finding');
      if (first) first.open = true;
    }
  }
  // Long timelines scroll: bring the last highlighted event into view when a
  // finding is shown (closed <details> have no layout until opened).
  function scrollTimelines(root) {
    Array.prototype.forEach.call(root.querySelectorAll('.tlscroll'), function (box) {
      if (box.getAttribute('data-scrolled') || box.scrollWidth <= box.clientWidth) return;
      var marks = box.querySelectorAll('.ev.hl circle');
      var mark = marks.length ? marks[marks.length - 1] : null;
      var x = mark ? Number(mark.getAttribute('cx')) : box.scrollWidth;
      box.scrollLeft = Math.max(0, x - box.clientWidth * 0.75);
      box.setAttribute('data-scrolled', '1');
    });
  }
  findings.forEach(function (d) {
    d.addEventListener('toggle', function () { if (d.open) scrollTimelines(d); });
  });
  scrollTimelines(document);
  window.addEventListener('hashchange', openTarget);
  openTarget();
  apply();
  document.documentElement.setAttribute('data-tangle-ready', '1');
})();
)JS";

void Page::script() {
  out_ += "<script>";
  out_ += kScript;
  out_ += "</script>\n";
}

}  // namespace

void write_html(const RunReport& report, std::ostream& out, const HtmlOptions& options) {
  out << Page(report, options).render();
}

// The index.html reporter: the page opens with the run's summary and
// filters over every scenario, so it is written whole in finalize.
namespace {
class HtmlReporter final : public Reporter {
 public:
  explicit HtmlReporter(HtmlOptions options) : options_(std::move(options)) {}
  void finalize(const RunReport& report) override { write_html(report, output(), options_); }

 private:
  HtmlOptions options_;
};
}  // namespace

std::unique_ptr<Reporter> detail::make_html_reporter(const ReporterOptions& options) {
  HtmlOptions html;
  html.source_root = options.source_root;
  return std::make_unique<HtmlReporter>(std::move(html));
}

}  // namespace tangle::report
