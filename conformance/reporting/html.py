"""`report.html`: one self-contained page a person reads after a run.

Rendered from the results.json data alone (`render(data)`), so it says exactly what
the machine-readable record says. No network, no CDN, no script: inline CSS, and
`<details>` for what is folded. Order: the run summary, failures first (each
violation with pointer, rule, message, branch and spec line, and a redacted excerpt
of the body), errors apart, unmatched requests, drift, the contract coverage matrix,
then the passed probes. Readable at 1280 px and on a phone (tables scroll or stack).
"""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from conformance.coverage import BODY_KINDS, not_exercised
from conformance.reporting.summary import fold

MAX_PASSED_ROWS = 200
SHOWN_NOT_EXERCISED = 12  # the list opens with these; the rest is folded
MAX_NOT_EXERCISED = 500

_CSS = """
:root{--fg:#1d232b;--muted:#5c6773;--line:#d9dee4;--bg:#f6f8fa;--card:#fff;
--bad:#b42318;--bad-bg:#fdecea;--ok:#1a7f37;--ok-bg:#e6f4ea;--warn:#9a6700;
--warn-bg:#fff4d6;--zero:#fbe9e7;--seen:#e3f2e6;--accent:#2f5bd3}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,
-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1200px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 10px;padding-bottom:6px;border-bottom:1px solid
var(--line)}
h3{font-size:15px;margin:18px 0 8px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
font-size:13px}
.meta{color:var(--muted);margin:0 0 16px;overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(104px,1fr));
gap:10px;margin:16px 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:10px 14px}
.card b{display:block;font-size:24px;line-height:1.2}
.card span{color:var(--muted);font-size:13px}
.card.bad b{color:var(--bad)}.card.ok b{color:var(--ok)}.card.warn b{color:var(--warn)}
.verdict{display:inline-block;padding:2px 10px;border-radius:999px;font-weight:600;
font-size:13px;vertical-align:middle;margin-left:8px}
header p.verdict{display:table;margin:0 0 8px;border-radius:6px;margin-left:0}
.verdict.bad{background:var(--bad-bg);color:var(--bad)}
.verdict.ok{background:var(--ok-bg);color:var(--ok)}
.verdict.warn{background:var(--warn-bg);color:var(--warn)}
.probe{background:var(--card);border:1px solid var(--line);border-left:4px solid
var(--bad);border-radius:8px;padding:12px 16px;margin:0 0 14px}
.probe h3{margin:0 0 4px;overflow-wrap:anywhere}
.probe .req{color:var(--muted);overflow-wrap:anywhere;margin:0 0 8px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);
vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);
background:var(--bg)}
td.num,th.num{text-align:right;white-space:nowrap;width:1%}
td.ptr{overflow-wrap:anywhere;min-width:8em}
.rule{display:inline-block;background:#eef1f6;border-radius:4px;padding:0 6px}
pre.excerpt{background:#0f1720;color:#e6edf3;padding:10px 12px;border-radius:6px;
white-space:pre-wrap;overflow-wrap:anywhere;margin:10px 0 0}
.excerpt-label{color:var(--muted);font-size:12px;margin:10px 0 0}
.chips{display:flex;flex-wrap:wrap;gap:6px}
.cell{display:inline-block;border-radius:6px;padding:2px 8px;border:1px solid
var(--line);white-space:nowrap}
.cell.seen{background:var(--seen);border-color:#b7dfc2}
.cell.unseen{background:var(--zero);border-color:#f1c1ba;color:var(--bad)}
.cell b{font-weight:600;margin-left:6px}
.op{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:12px 16px;margin:0 0 14px}
.op h3{margin:0 0 8px}
.kind{margin:10px 0 4px;font-weight:600;font-size:13px;color:var(--muted)}
.matrix td:first-child{overflow-wrap:anywhere;width:36%}
.bar{height:10px;border-radius:5px;background:var(--zero);overflow:hidden;
margin:6px 0 4px;max-width:480px}
.bar i{display:block;height:100%;background:var(--ok)}
.muted{color:var(--muted)}
details{margin:8px 0}summary{cursor:pointer;color:var(--accent)}
ul.missing{margin:6px 0;padding-left:20px}
ul.missing li{overflow-wrap:anywhere}
@media (max-width:640px){
 main{padding:14px 10px 32px}
 table.stack thead{display:none}
 table.stack tr{display:block;border-bottom:1px solid var(--line);padding:6px 0}
 table.stack td{display:block;border:0;padding:2px 4px;text-align:left}
 table.stack td.num{text-align:left}
 .matrix td:first-child{width:auto;font-weight:600}
 table.stack td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);
 font-size:12px}
 .card b{font-size:20px}
}
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def render(data: dict[str, Any]) -> str:
    """The whole page for one run (`data` is results.json's content)."""
    probes = data.get("probes", [])
    spec_name = str(data.get("spec", "")).rsplit("/", 1)[-1] or "spec"
    parts = [
        _head(data),
        _failures([p for p in probes if p.get("outcome") == "failed"], spec_name),
        _errors([p for p in probes if p.get("outcome") == "error"]),
        _unmatched(data.get("unmatched") or [], data),
        _drift(probes),
        _coverage(data.get("coverage")),
        _passed([p for p in probes if p.get("outcome") == "passed"]),
    ]
    title = f"Conformance report — {data.get('target', '')}"
    return _page(title, "".join(parts))


def render_coverage(cov: dict[str, Any], title: str) -> str:
    """A page with the coverage alone (`conformance coverage --html`)."""
    return _page(title, f"<header><h1>{_e(title)}</h1></header>{_coverage(cov)}")


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def _head(data: dict[str, Any]) -> str:
    totals = data.get("totals", {})
    code = data.get("exit_code", 0)
    verdict, cls = {
        0: ("conforms", "ok"),
        1: ("contract broken", "bad"),
        3: ("errors only", "warn"),
    }.get(code, (f"exit {code}", "warn"))
    what = "Live run against" if data.get("mode") == "live" else "Replay of"
    cov = data.get("coverage") or {}
    cards = [
        ("probes", totals.get("probes", 0), ""),
        ("passed", totals.get("passed", 0), "ok"),
        ("failed", totals.get("failed", 0), "bad" if totals.get("failed") else ""),
        ("violations", totals.get("violations", 0), ""),
        ("errors", totals.get("errors", 0), "warn" if totals.get("errors") else ""),
        ("unmatched", totals.get("unmatched", 0), ""),
        ("drift", totals.get("drift", 0), ""),
    ]
    if cov:
        cards.append(("coverage", f"{cov.get('percent', 0)}%", ""))
    tiles = "".join(
        f'<div class="card {c}" data-total="{_e(k)}"><b>{_e(v)}</b>'
        f"<span>{_e(k)}</span></div>"
        for k, v, c in cards
    )
    notes = []
    if data.get("interrupted"):
        notes.append(
            f"interrupted by {data['interrupted']}: {len(data.get('probes', ()))} of "
            f"{totals.get('planned', '?')} probes finished"
        )
    if data.get("mode") == "live" and data.get("token") is False:
        notes.append("no token configured: probes were sent without credentials")
    shown = "".join(f'<p class="verdict warn">{_e(n)}</p>' for n in notes)
    return (
        f"<header><h1>{_e(what)} <code>{_e(data.get('target'))}</code>"
        f'<span class="verdict {cls}">{_e(verdict)}</span></h1>{shown}'
        f'<p class="meta">spec <code>{_e(data.get("spec"))}</code> · started '
        f"{_e(data.get('started'))} · {_seconds(data.get('duration'))} · exit code "
        f'{_e(code)}</p><section class="cards">{tiles}</section></header>'
    )


def _seconds(value: object) -> str:
    try:
        return f"{float(value):.2f} s"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"


def _request_line(p: dict[str, Any]) -> str:
    bits = [f"{p.get('method', '')} {p.get('url', '')}"]
    if p.get("status") is not None:
        bits.append(f"→ {p['status']} {p.get('content_type') or ''}".rstrip())
    if p.get("branch"):
        bits.append(f"· {p['branch']}")
    return " ".join(bits)


def _failures(failed: list[dict[str, Any]], spec_name: str) -> str:
    if not failed:
        return ""
    count = sum(len(p.get("violations", ())) for p in failed)
    out = [
        f'<section id="failures"><h2>Failures ({len(failed)} probe(s), '
        f"{count} violation(s))</h2>"
    ]
    out.append(_top_violations(failed))
    for p in failed:
        rows = []
        for v in p.get("violations", ()):
            line = v.get("spec_line")
            where = f"{spec_name}:{line}" if line is not None else spec_name
            rows.append(
                '<tr class="violation">'
                f'<td data-label="check">{_e(v.get("check"))}</td>'
                f'<td class="ptr mono" data-label="pointer">'
                f"{_e(v.get('pointer') or '/')}</td>"
                f'<td data-label="rule"><span class="rule">{_e(v.get("keyword"))}'
                "</span></td>"
                f'<td data-label="message">{_e(v.get("message"))}</td>'
                f'<td data-label="branch">{_e(v.get("branch") or "—")}</td>'
                f'<td class="ptr mono" data-label="spec">{_e(where)}<br>'
                f'<span class="muted">#{_e(v.get("spec_pointer"))}</span></td></tr>'
            )
        excerpt = ""
        if p.get("excerpt"):
            excerpt = (
                '<p class="excerpt-label">body (start, secrets redacted)</p>'
                f'<pre class="excerpt">{_e(p["excerpt"])}</pre>'
            )
        out.append(
            f'<article class="probe failed" data-probe="{_e(p.get("name"))}">'
            f"<h3>{_e(p.get('name'))}</h3>"
            f'<p class="req mono">{_e(_request_line(p))}</p>'
            '<div class="scroll"><table class="stack"><thead><tr><th>check</th>'
            "<th>pointer</th><th>rule</th><th>message</th><th>branch</th>"
            f"<th>spec</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            f"{excerpt}</article>"
        )
    return "".join(out) + "</section>"


def _top_violations(failed: list[dict[str, Any]]) -> str:
    """Violations grouped by rule and pointer (list items folded), when many."""
    groups: Counter[tuple[str, str, str]] = Counter()
    example: dict[tuple[str, str, str], str] = {}
    for p in failed:
        for v in p.get("violations", ()):
            key = (
                str(v.get("check")),
                str(v.get("keyword")),
                fold(v.get("pointer", "")),
            )
            groups[key] += 1
            example.setdefault(key, str(v.get("message", "")))
    if sum(groups.values()) <= 3:
        return ""
    rows = "".join(
        f'<tr><td class="num" data-label="count">{n}</td>'
        f'<td data-label="check">{_e(check)}</td>'
        f'<td data-label="rule"><span class="rule">{_e(rule)}</span></td>'
        f'<td class="ptr mono" data-label="pointer">{_e(ptr)}</td>'
        f'<td data-label="example">{_e(example[(check, rule, ptr)])}</td></tr>'
        for (check, rule, ptr), n in groups.most_common(20)
    )
    return (
        '<h3>By rule and pointer</h3><div class="scroll"><table class="stack">'
        '<thead><tr><th class="num">count</th><th>check</th><th>rule</th>'
        f"<th>pointer</th><th>example</th></tr></thead><tbody>{rows}</tbody></table>"
        "</div><h3>Each failing probe</h3>"
    )


def _errors(errors: list[dict[str, Any]]) -> str:
    if not errors:
        return ""
    rows = "".join(
        f'<tr class="error"><td class="ptr" data-label="probe">{_e(p.get("name"))}'
        f'</td><td data-label="kind">{_e(p.get("error_kind") or "network")}</td>'
        f'<td class="num" data-label="attempts">{_e(p.get("attempts"))}</td>'
        f'<td data-label="error">{_e(p.get("error"))}</td></tr>'
        for p in errors
    )
    return (
        f'<section id="errors"><h2>Errors ({len(errors)}: no contract verdict — no '
        'answer, unexpected status, too big)</h2><div class="scroll"><table '
        'class="stack"><thead><tr><th>probe</th><th>kind</th><th class="num">'
        "attempts</th><th>error</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def _unmatched(items: list[dict[str, Any]], data: dict[str, Any]) -> str:
    if not items:
        return ""
    failing = bool(data.get("unmatched_fails"))
    note = "failures (--unmatched fail)" if failing else "not judged"
    rows = "".join(
        f'<tr class="unmatched"><td class="ptr mono" data-label="request">'
        f"{_e(u.get('method'))} {_e(u.get('url'))}</td>"
        f'<td class="num" data-label="status">{_e(u.get("status") or "—")}</td>'
        f'<td data-label="why">{_e(u.get("reason"))}</td>'
        f'<td class="ptr" data-label="from">{_e(u.get("source") or "—")}</td></tr>'
        for u in items
    )
    return (
        f'<section id="unmatched"><h2>Unmatched requests ({len(items)}, {note})</h2>'
        '<div class="scroll"><table class="stack"><thead><tr><th>request</th>'
        '<th class="num">status</th><th>why</th><th>from</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def _drift(probes: list[dict[str, Any]]) -> str:
    counts: Counter[tuple[str, str]] = Counter()
    for p in probes:
        for pointer in p.get("drift", ()):
            counts[(p.get("operation", ""), pointer)] += 1
    if not counts:
        return ""
    rows = "".join(
        f'<tr><td class="num" data-label="count">{n}</td>'
        f'<td data-label="operation">{_e(op)}</td>'
        f'<td class="ptr mono" data-label="member">{_e(ptr)}</td></tr>'
        for (op, ptr), n in counts.most_common(100)
    )
    return (
        '<section id="drift"><h2>Drift (undocumented members, warnings)</h2>'
        '<div class="scroll"><table class="stack"><thead><tr><th class="num">count'
        "</th><th>operation</th><th>member</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def _cell(label: str, count: int, point: str) -> str:
    cls = "seen" if count else "unseen"
    return (
        f'<span class="cell {cls}" data-point="{_e(point)}" data-count="{count}">'
        f"{_e(label)}<b>{count}</b></span>"
    )


_KIND_TITLE = {
    "alternatives": "oneOf / anyOf alternatives",
    "enums": "enum values",
    "optional": "optional members (present / absent)",
    "nullable": "nullable members (null / not null)",
}


def _coverage(cov: dict[str, Any] | None) -> str:
    if not cov:
        return ""
    percent = float(cov.get("percent", 0.0))
    out = [
        '<section id="coverage"><h2>Contract coverage</h2>'
        f"<p><b>{percent}%</b> — {_e(cov.get('covered'))} of {_e(cov.get('points'))} "
        f'contract points seen</p><div class="bar"><i style="width:{percent}%">'
        f'</i></div><p class="muted">{_e(cov.get("definition"))}.</p>'
    ]
    missing = not_exercised(cov)
    if missing:
        first, rest = missing[:SHOWN_NOT_EXERCISED], missing[SHOWN_NOT_EXERCISED:]
        items = "".join(f"<li>{_e(m)}</li>" for m in first)
        out.append(
            f'<h3>Not exercised ({len(missing)})</h3><ul class="missing">{items}</ul>'
        )
        if rest:
            more = "".join(f"<li>{_e(m)}</li>" for m in rest[:MAX_NOT_EXERCISED])
            cut = len(rest) - MAX_NOT_EXERCISED
            tail = f"<li>… {cut} more (results.json)</li>" if cut > 0 else ""
            out.append(
                f"<details><summary>{len(rest)} more</summary>"
                f'<ul class="missing">{more}{tail}</ul></details>'
            )
    for op_id, entry in cov.get("operations", {}).items():
        out.append(_operation(op_id, entry))
    return "".join(out) + "</section>"


def _operation(op_id: str, entry: dict[str, Any]) -> str:
    statuses = entry.get("statuses", {})
    chips = "".join(
        _cell(status, data.get("count", 0), f"{op_id} {status}")
        for status, data in statuses.items()
    )
    parts = [
        f'<article class="op" data-operation="{_e(op_id)}"><h3>{_e(op_id)} '
        f'<span class="muted mono">{_e(entry.get("method"))} {_e(entry.get("path"))}'
        f'</span> <span class="muted">· {_e(entry.get("calls", 0))} call(s)'
        f'</span></h3><div class="kind">statuses</div><div class="chips">{chips}'
        "</div>"
    ]
    for status, data in statuses.items():
        body = _body(op_id, status, data)
        if body:
            parts.append(
                f"<details{' open' if data.get('count') else ''}><summary>"
                f"{_e(status)} {_e(data.get('media_type', ''))} body "
                f"({_e(data.get('count', 0))} seen)</summary>{body}</details>"
            )
    return "".join(parts) + "</article>"


def _body(op_id: str, status: str, data: dict[str, Any]) -> str:
    out = []
    branches = data.get("branches") or {}
    if branches:
        chips = "".join(
            _cell(v, n, f"{op_id} {status} branch {v}") for v, n in branches.items()
        )
        out.append(
            f'<div class="kind">discriminator branches</div><div class="chips">'
            f"{chips}</div>"
        )
    for kind in BODY_KINDS:
        points = data.get(kind) or {}
        if not points:
            continue
        rows = "".join(
            f'<tr><td class="mono">{_e(where)}</td><td><div class="chips">'
            + "".join(
                _cell(opt, n, f"{op_id} {status} {kind} {where} {opt}")
                for opt, n in options.items()
            )
            + "</div></td></tr>"
            for where, options in points.items()
        )
        out.append(
            f'<div class="kind">{_e(_KIND_TITLE[kind])}</div><div class="scroll">'
            f'<table class="matrix stack"><tbody>{rows}</tbody></table></div>'
        )
    return "".join(out)


def _passed(passed: list[dict[str, Any]]) -> str:
    if not passed:
        return ""
    rows = "".join(
        f'<tr><td class="ptr" data-label="probe">{_e(p.get("name"))}</td>'
        f'<td class="num" data-label="status">{_e(p.get("status"))}</td>'
        f'<td data-label="branch">{_e(p.get("branch") or "—")}</td>'
        f'<td class="num" data-label="drift">{len(p.get("drift", ()))}</td></tr>'
        for p in passed[:MAX_PASSED_ROWS]
    )
    more = len(passed) - MAX_PASSED_ROWS
    tail = f'<p class="muted">… {more} more in results.json</p>' if more > 0 else ""
    return (
        f'<section id="passed"><h2>Passed ({len(passed)})</h2><details><summary>'
        'show the passed probes</summary><div class="scroll"><table class="stack">'
        '<thead><tr><th>probe</th><th class="num">status</th><th>branch</th>'
        f'<th class="num">drift</th></tr></thead><tbody>{rows}</tbody></table></div>'
        f"{tail}</details></section>"
    )
