"""The paged read of a ``ListSpec`` operation: every page through the retry policy, the
whole listing within one deadline, then the filters, the details and the expectation.

Pages of ``page_size_max`` (100) are read from page 1 until as many rows are in as the
total the answers report (``total_key``), or a page comes back short. A list that
changes while it is read gives each object once and loses none that existed throughout,
as far as the API lets anyone tell: when the total moves between two pages the listing
starts over (at most ``MAX_RESTARTS`` times), and an object seen twice (the list moved
by an insertion in front of the cursor) is kept once. The listing also starts over when
an object is listed twice with different contents, or when every page came back full
and still fewer distinct objects than the total were listed: a list that moved, or an
answer that cannot be right, must not pass a gate. A removal and an addition between
the same two pages leave the total as it was; they show only when they make an object
appear twice. A page with more rows than the page size asked for is a
``ResponseValidationError``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import errors
from .spec import ListSpec, one_of, shown, snake_case

if TYPE_CHECKING:
    from .client import Client
    from .options import ReadOptions
    from .schemas import Page
    from .settings import CallSettings, ConfigLookup

#: How many times a listing starts over when the list changes under it.
MAX_RESTARTS = 3
#: The default bound on the objects a listing reads (``max_items``).
MAX_ITEMS = 10_000


@dataclass(frozen=True)
class ListRequest:
    """One listing's validated input (``prepare``): which operation (view), the
    client-side filters and the expectation, the bound, the settings of its calls
    (``detail``: of the detail reads, None without details) and the config its
    credentials come from."""

    spec: ListSpec
    statuses: tuple[str, ...]
    ids: tuple[str, ...]
    target_entity: str | None
    expected: tuple[str, ...]
    max_items: int
    call: CallSettings
    detail: CallSettings | None = None
    config: ConfigLookup | None = None

    def keep(self, row: Any) -> bool:
        return ((not self.statuses or row.status in self.statuses)
                and (not self.ids or row.id in self.ids)
                and (self.target_entity is None or row.target_entity == self.target_entity))


def prepare(views: Mapping[bool, ListSpec], *, status: object = None, ids: object = None,
            target_entity: object = None, invited_account: object = False,
            with_details: object = False, expected_status: object = None,
            max_items: object = None, config: ConfigLookup | None = None,
            options: ReadOptions | None = None, **keywords: Any) -> ListRequest:
    """Check a listing's input, as every entry point takes it, before any request.

    Args:
        views (Mapping[bool, ListSpec]): the list operations over the same objects, by
            ``invited_view`` (``ListSpec.views``); ``invited_account`` picks one.
        status, expected_status (str, list of str or None): states of the objects
            (``validate_states``); None: any.
        ids (str, list of str or None): ids to keep (each checked, duplicates dropped).
        target_entity (str or None): the account id or login email to keep.
        invited_account, with_details (bool): default False.
        max_items (int or None): the most objects read, >= 1; None: ``MAX_ITEMS``.
        config (ConfigLookup or None): the Pulumi config the settings and credentials
            come from (None: the running program's, if any).
        options (ReadOptions or None): timeouts and retry knobs; default ``ReadOptions()``.
        **keywords: those of ``settings.resolve`` (``region``, ``endpoint``,
            ``allow_insecure_http``, ``connect_timeout``...).

    Returns:
        ListRequest: the operation to read and the validated input, for ``read_list``.

    Raises:
        InvalidInputError: a flag that is not True or False, the invited view where the
            objects have none, an unknown or non-text status, a malformed id, an empty or
            non-text target, a ``max_items`` that is not a whole number >= 1, or a
            setting ``settings.resolve`` refuses.
    """
    from .settings import resolve  # the read path's import: not at ``aliread --help``

    for name, value in (("invited_account", invited_account), ("with_details", with_details)):
        if not isinstance(value, bool):
            raise errors.InvalidInputError(
                f"{name} must be True or False, got {type(value).__name__}.")
    spec = views.get(bool(invited_account))
    if spec is None:
        raise errors.InvalidInputError(
            f"invited_account={invited_account}: there is no such view of these objects.")
    item = spec.item
    statuses = item.validate_states(status, keyword="status")
    expected = item.validate_states(expected_status)
    id_list: tuple[str, ...] = ()
    if ids is not None:
        values = [ids] if isinstance(ids, str) else ids
        if not isinstance(values, Iterable):
            raise errors.InvalidInputError(
                f"ids must be an id or a list of ids, got {type(ids).__name__}: pass "
                f"{item.id_rule}.")
        id_list = tuple(dict.fromkeys(item.validate_id(value) for value in values))
        if not id_list:
            raise errors.InvalidInputError(
                "ids is an empty list: give at least one id, or leave it out.")
    if target_entity is not None:
        if not isinstance(target_entity, str):
            raise errors.InvalidInputError(
                f"target_entity must be an account id or login email (text), got "
                f"{type(target_entity).__name__}.")
        if not target_entity.strip():
            raise errors.InvalidInputError(
                f"target_entity {shown(target_entity)} is empty: give the invited account's "
                "id or login email, or leave it out.")
    if max_items is None:
        max_items = MAX_ITEMS
    elif isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1:
        raise errors.InvalidInputError(
            f"max_items must be a whole number >= 1, got {shown(max_items)}.")
    call = resolve(spec, config=config, options=options, **keywords)
    detail = resolve(item, config=config, options=options, **keywords) \
        if with_details else None
    return ListRequest(spec, statuses, id_list, target_entity, expected, max_items, call,
                       detail, config)


def read_list(client: Client, request: ListRequest) -> Any:
    """List every object of ``request.spec`` (``prepare``) with ``client``, then filter,
    read the details and check the expectation.

    Returns ``spec``'s result (``GetHandshakesResult``). Raises what ``Client.request``
    raises, ApiError ``TooManyItems`` past ``max_items``, ServiceUnavailableError
    ``ListChanging`` and ``ExpectationNotMetError``.
    """
    spec, call, detail = request.spec, request.call, request.detail
    deadline_at = time.monotonic() + call.options.deadline
    creds = client.credentials(request.config, deadline=call.options.deadline)
    listed, total, request_ids = _listing(client, spec, call, creds, deadline_at,
                                          request.max_items)
    rows = [row for row in listed if request.keep(row)]
    if detail is not None and rows:
        item = spec.item

        def one(row: Any) -> Any:
            try:
                return client.request(item, {item.id_param: row.id}, detail, creds,
                                      deadline_at=deadline_at)
            except errors.ConflictError as error:
                # The invited account's view: an object that answers it "accepted" (HTTP
                # 409 HandshakeStatusMismatch) keeps its listed row.
                if spec.invited_view and error.code == item.invited_accepted_code:
                    return row
                raise

        # At most ``client.max_concurrent_reads`` detail reads at once.
        workers = min(client.max_concurrent_reads, len(rows))
        with ThreadPoolExecutor(max_workers=workers,
                                thread_name_prefix="aliread-details") as pool:
            rows = list(pool.map(one, rows))
    result = spec.result_type(**{
        snake_case(spec.response_key): tuple(rows),
        "ids": tuple(row.id for row in rows),
        "total_count": total,
        "request_ids": tuple(rid for rid in request_ids if rid is not None),
    })
    check_all(request, rows, result)
    return result


def _listing(client: Client, spec: ListSpec, call: Any, creds: Any, deadline_at: float,
             max_items: int) -> tuple[list[Any], int, list[str | None]]:
    """The paging loop: every row of one listing in the API's order, each object once,
    the total, and each page's request id. A malformed page's ResponseValidationError
    names the page.

    Raises ServiceUnavailableError ``DeadlineExceeded`` before a page past the deadline,
    ApiError (code ``TooManyItems``) when the list holds more than ``max_items``
    objects, ResponseValidationError for a page with more rows than the page size asked
    for, and ServiceUnavailableError (code ``ListChanging``) when the list moved (the total, an
    object listed twice with other contents, full pages short of the total) during
    ``MAX_RESTARTS + 1`` listings in a row.
    """
    size = spec.page_size_max
    totals: list[int] = []
    signs: list[str] = []  # why a listing started over, other than a moved total
    for _restart in range(MAX_RESTARTS + 1):
        rows: dict[str, Any] = {}
        request_ids: list[str | None] = []
        received = 0
        number = 1
        while True:
            if time.monotonic() >= deadline_at:
                raise errors.ServiceUnavailableError(
                    f"{spec.action}: the listing ran out of its deadline "
                    f"({call.options.deadline:g} s) before page {number}: raise deadline= "
                    "(--deadline).",
                    code="DeadlineExceeded", stop_reason="deadline")
            params = {spec.page_number_param: str(number), spec.page_size_param: str(size)}
            try:
                page: Page = client.request(spec, params, call, creds, deadline_at=deadline_at)
            except errors.ResponseValidationError as invalid:
                invalid.reword(f"page {number} of {spec.action}: {invalid.message}")
                raise
            if len(page.rows) > size:
                where = f" (request id {page.request_id})" if page.request_id else ""
                raise errors.ResponseValidationError(
                    f"page {number} of {spec.action}: {len(page.rows)} {spec.title}s came "
                    f"back{where} for {spec.page_size_param}={size}, more than a page "
                    "holds; the endpoint does not page as the API does, so nothing was "
                    "returned. Check the endpoint (--endpoint) and any proxy in between, "
                    "and report it if it persists.",
                    request_id=page.request_id)
            if number == 1:
                totals.append(page.total_count)
            elif page.total_count != totals[-1]:
                totals.append(page.total_count)
                break  # the list moved: start over
            total = totals[-1]
            request_ids.append(page.request_id)
            twice = _listed_twice(rows, page.rows)
            if twice is not None:
                signs.append(f"{twice} listed twice with different contents")
                break  # the list moved: start over
            received += len(page.rows)
            if max(total, len(rows)) > max_items:
                raise errors.ApiError(
                    f"{spec.action} lists {max(total, len(rows))} {spec.title}s, more than "
                    f"max_items={max_items}, the most this call reads: raise max_items "
                    "(--max-items on the command line) to read them all, or narrow the "
                    "credentials' view.",
                    code="TooManyItems", request_id=page.request_id,
                )
            if len(page.rows) < size:  # a short page ends the listing (documented)
                return list(rows.values()), total, request_ids
            if received >= total:
                if len(rows) >= total:
                    return list(rows.values()), total, request_ids
                signs.append(f"{number} full pages held {len(rows)} distinct "
                             f"{spec.title}s of {spec.total_key} {total}")
                break  # objects came twice, others never: start over
            number += 1
    moves = " -> ".join(str(t) for t in totals)
    seen = [f"{spec.total_key} {moves}"] if len(set(totals)) > 1 else []
    seen += dict.fromkeys(signs)
    raise errors.ServiceUnavailableError(
        f"{spec.action}: the list of {spec.title}s changed while it was read "
        f"({'; '.join(seen)}), so it was read again from page 1, {MAX_RESTARTS} times; it "
        "was still changing. Retry when the invitations settle.",
        code="ListChanging", stop_reason="permanent",
    )


def _listed_twice(rows: dict[str, Any], page: Sequence[Any]) -> str | None:
    """Add ``page``'s rows to ``rows`` (by id, the first kept); the id of a row listed
    again with other contents than before (its page's request id aside), else None."""
    for row in page:
        kept = rows.setdefault(row.id, row)
        if kept is not row and dataclasses.replace(kept, request_id=row.request_id) != row:
            return str(row.id)
    return None


def check_all(request: ListRequest, rows: Sequence[Any], result: Any) -> None:
    """ExpectationNotMetError naming each listed object not in an expected state and each
    id asked for (``ids``) that was not listed, or saying that nothing was listed: a
    gate must not pass on nothing (a typo in a filter, an invitation not sent yet)."""
    spec, expected = request.spec, request.expected
    if not expected:
        return
    item = spec.item
    listed = {row.id for row in rows}
    missing = [object_id for object_id in request.ids if object_id not in listed]
    off = [(row.id, getattr(row, item.state_field)) for row in rows
           if getattr(row, item.state_field) not in expected]
    off += [(object_id, "not listed") for object_id in missing]
    if rows and not off:
        return
    advice = (f"Wait until they are, or change the expectation ({item.expect_keyword}=).")
    if off:
        shown_rows = ", ".join(f"{object_id} ({state})" for object_id, state in off[:20])
        more = f" and {len(off) - 20} more" if len(off) > 20 else ""
        message = (f"{len(off)} of {len(rows) + len(missing)} {item.title}s are not "
                   f"{one_of(expected)}: {shown_rows}{more} ({spec.action}). {advice}")
    else:
        message = (f"no {item.title} passed the filters ({result.total_count} listed), so "
                   f"none is {one_of(expected)} ({spec.action}). Check the filters "
                   "(status, ids, target entity) and the account whose credentials list "
                   f"them, or wait until the {item.title} exists.")
    error = errors.ExpectationNotMetError(
        message, code="ExpectationNotMet", http_status=200,
        request_id=result.request_ids[-1] if result.request_ids else None,
    )
    error.result = result  # type: ignore[attr-defined]
    error.not_met = tuple(off)  # type: ignore[attr-defined]
    raise error
