"""The sections of the reliability table and how they are rendered (text and Markdown)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# section -> (title, [(row key, column header)])
SECTIONS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "transient": (
        "Transient faults: 1 000 reads each (half GetHandshake, half "
        "GetJoinPermissionAuthOrder), 30 % of requests failing",
        [("scenario", "fault"), ("reads", "reads"), ("correct", "correct object"),
         ("wrong", "wrong/partial"), ("failed", "failed reads"),
         ("faulted", "faulted answers"), ("req_max", "requests/read max"),
         ("req_mean", "requests/read mean"), ("retries", "retries"),
         ("backoff", "backoff time (s)"), ("lost", "requests lost"),
         ("drops", "unexpected connection drops"), ("seconds", "wall time (s)")],
    ),
    "concurrency": (
        "Concurrency: shared clients, emulator latency 5 ms",
        [("scenario", "load"), ("reads", "reads"), ("correct", "correct id and object"),
         ("failed", "exceptions"), ("requests", "requests sent"),
         ("received", "requests received"), ("lost", "requests lost"),
         ("drops", "unexpected connection drops"), ("seconds", "wall time (s)")],
    ),
    "permanent": (
        "Permanent errors: every error code of both seeds, sent once",
        [("api", "API"), ("code", "code"), ("http_status", "HTTP"),
         ("error_class", "raised as"), ("request_id", "request id carried"),
         ("requests", "requests")],
    ),
    "malformed": (
        "Malformed responses: each must end in ResponseValidationError or a transport "
        "error, never a result",
        [("api", "API"), ("kind", "answer"), ("outcome", "raised"), ("requests", "requests")],
    ),
    "property": (
        "Property tests over the schemas (hypothesis): any input -> a valid result or "
        "ResponseValidationError",
        [("target", "function"), ("examples", "examples"), ("results", "valid results"),
         ("refused", "ResponseValidationError"), ("other", "other outcome")],
    ),
    "bad_input": (
        "Bad input: refused before any request, with a message saying what to do",
        [("what", "input"), ("cases", "cases"), ("refused", "refused"),
         ("requests", "requests sent")],
    ),
    "secrets": (
        "Secrets: AccessKey secret and STS token, DEBUG logging on for pulumi_aliread, "
        "aliyunsdkcore, urllib3, alibabacloud-credentials and the root logger",
        [("where", "searched"), ("items", "texts searched"), ("leaks", "secrets found")],
    ),
    "time": (
        "Time bounds: hostile servers on both transports (blocking: get_*, CLI; event "
        "loop: get_*_output); each read must end by its bounds",
        [("scenario", "server"), ("path", "transport"), ("bounds", "bounds asked"),
         ("outcome", "raised"), ("requests", "requests"), ("seconds", "ended after (s)")],
    ),
    "memory": (
        "Memory bounds: peak Python memory (tracemalloc) while the answer or the failures "
        "are handled",
        [("scenario", "input"), ("path", "transport"), ("wire", "on the wire"),
         ("outcome", "outcome"), ("peak", "peak (MiB)"), ("baseline", "baseline (MiB)")],
    ),
    "credentials": (
        "Credential sources: malformed answers, each source in a fresh process (CLI, "
        "DEBUG logging on); nothing a source returned may be shown",
        [("source", "source"), ("answer", "its answer"), ("outcome", "outcome"),
         ("lines", "stderr lines"), ("leaks", "secrets found")],
    ),
    "throttling": (
        "Throttling signals: each answered once, then the object; retried, hint honoured",
        [("signal", "signal"), ("path", "transport"), ("outcome", "outcome"),
         ("requests", "requests"), ("hint", "hint (s)"), ("backoff", "slept (s)")],
    ),
}


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return str(value)


def _tables(rows: Mapping[str, Sequence[Mapping[str, Any]]]
            ) -> list[tuple[str, list[str], list[list[str]]]]:
    out = []
    for section, (title, columns) in SECTIONS.items():
        section_rows = rows.get(section)
        if not section_rows:
            continue
        headers = [header for _, header in columns]
        body = [[_cell(row.get(key, "")) for key, _ in columns] for row in section_rows]
        out.append((title, headers, body))
    return out


def render_text(rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """Aligned plain-text tables, for the terminal."""
    lines: list[str] = []
    for title, headers, body in _tables(rows):
        widths = [max(len(c) for c in column) for column in zip(headers, *body, strict=True)]
        lines.append(title)
        for cells in [headers, *body]:
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths,
                                                                        strict=True)))
        lines.append("")
    return "\n".join(lines)


def render_markdown(rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """GitHub-flavoured Markdown tables, for docs/reliability.md."""
    lines: list[str] = []
    for title, headers, body in _tables(rows):
        lines += [f"### {title}", "", "| " + " | ".join(headers) + " |",
                  "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
                  for cells in body]
        lines.append("")
    return "\n".join(lines)
