"""A new webmention checked and stored in one SQL statement: the receipt's common path (issue 7).

A receipt was a SELECT of the target post (0.6 ms wall on PostgreSQL), then the ORM's INSERT (1.4 ms
with its commit, ~0.7 ms of Python in create()): two round trips where scenario 7 allows a receipt
1.5 × a no-op POST. Here one INSERT … SELECT takes its row from the target post itself (live,
published, not private; none for the home page), only when the owner has not blocked the source's
domain, and does nothing for a pair already stored (measured in process: the receipt's p50 5.5 → 4.5
ms). A row back is the new webmention; no row is one of the rarer cases (a bad target, a blocked
domain, a repeat), which receive.py tells apart with the full checks.

The columns and their values are the model's own (Received._meta.concrete_fields, each field's
get_default() and get_db_prep_save()), the SQL built once per process and database: the row is what
Received.objects.create() would store, the uuid token as each backend stores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connections, router
from django.db.models import NOT_PROVIDED, Field, UniqueConstraint

from accounts.models import Blog
from posts.models import Post
from webmention.local import ACCEPTING_PARAMS, ACCEPTING_SQL, blocked_exists_sql, post_path
from webmention.models import Received

# What a receipt gives (attnames); every other column gets the model's default, as create() gives it.
GIVEN = ("blog_id", "source", "target", "source_host")
# Not parameters: the database makes the id, and the post's id comes from the target post's row.
RETURNED = ("id", "post_id")
# ON CONFLICT names the columns of this constraint: a repeated pair stores nothing and raises nothing.
ONCE_PER_PAIR = "webmention_once_per_pair"


@dataclass(frozen=True)
class _Column:
    """One column of the INSERT and where its value comes from."""

    field: Field
    given: bool = False  # the receipt's value (GIVEN)
    per_row: bool = False  # a callable default (token, times, the JSON list), called for each row
    returned: bool = False  # not in the parameters; filled from RETURNING (RETURNED)
    fixed: tuple = ()  # a constant default, prepared once: (Python value, database value)


@dataclass(frozen=True)
class _Insert:
    """The INSERT for one database: its columns in the model's order and its SQL."""

    columns: tuple[_Column, ...]
    names: tuple[str, ...]  # every attname, for Received.from_db
    into: str  # INSERT INTO table (columns) SELECT
    select: str  # the SELECT list, with {post_id} where the post's id goes
    tail: str  # ON CONFLICT … DO NOTHING RETURNING id, post_id

    def values(self, connection, given: dict[str, Any]) -> tuple[list, list]:
        """(every field's Python value, None where RETURNING fills it; the parameters of the SELECT)."""
        python, params = [], []
        for column in self.columns:
            if column.returned:
                python.append(None)
                continue
            if column.given:
                value = given[column.field.attname]
            elif column.per_row:
                value = column.field.get_default()
            else:
                value, prepared = column.fixed
                python.append(value)
                params.append(prepared)
                continue
            python.append(value)
            params.append(column.field.get_db_prep_save(value, connection))
        return python, params


def insert_new(*, blog: Blog, source: str, target: str, host: str, domains: list[str]) -> Received | None:
    """Store a webmention to a live post of this blog (or its home page) from a domain the owner has
    not blocked, for a (source, target) pair seen for the first time: one statement, no lock. None when
    it stored nothing (the caller finds out why). In autocommit the statement is its own transaction;
    in one, ON CONFLICT raises nothing, so no savepoint is needed."""
    alias = router.db_for_write(Received)
    connection, insert, path = connections[alias], _prepared(alias), post_path(target)
    given = {"blog_id": blog.pk, "source": source, "target": target, "source_host": host}
    python, params = insert.values(connection, given)
    where = [blog.pk, *domains] if path is None else [blog.pk, path, *ACCEPTING_PARAMS, blog.pk, *domains]
    with connection.cursor() as cursor:
        cursor.execute(_statement(alias, home=path is None, domains=len(domains)), params + where)
        row = cursor.fetchone()
    if row is None:
        return None
    python[0], python[2] = row  # RETURNED: id and post_id, where _prepared checked they are
    received = Received.from_db(alias, insert.names, python)
    Received.blog.field.set_cached_value(received, blog)  # as create() leaves it: row.blog costs nothing
    return received


@cache
def _statement(alias: str, *, home: bool, domains: int) -> str:
    """The whole statement: from the target post's row, or for the home page from no table (post_id
    NULL). SQLite parses INSERT … SELECT … ON CONFLICT only with a WHERE, which both have. Only names
    and placeholders are formatted in; every value is a parameter."""
    insert, post = _prepared(alias), connections[alias].ops.quote_name(Post._meta.db_table)
    not_blocked = f"NOT {blocked_exists_sql(domains)}"
    if home:
        return f"{insert.into} {insert.select.format(post_id='NULL')} WHERE {not_blocked} {insert.tail}"
    return (
        f"{insert.into} {insert.select.format(post_id=f'{post}.id')} FROM {post} "
        f"WHERE blog_id = %s AND path = %s AND {ACCEPTING_SQL} AND {not_blocked} {insert.tail}"
    )


@cache
def _prepared(alias: str) -> _Insert:
    """Received's columns as create() inserts them (every concrete field but the id), each with where
    its value comes from; the constant defaults prepared for this database once."""
    connection, meta = connections[alias], Received._meta
    if not connection.features.can_return_columns_from_insert:  # SQLite before 3.35
        raise ValueError(f"webmention/store.py needs INSERT … RETURNING, which {connection.vendor} lacks.")
    quote, columns = connection.ops.quote_name, []
    for field in meta.concrete_fields:
        _check_supported(field)
        if field.attname in RETURNED:
            columns.append(_Column(field, returned=True))
        elif field.attname in GIVEN:
            columns.append(_Column(field, given=True))
        elif field.has_default() and callable(field.default):
            columns.append(_Column(field, per_row=True))
        else:
            value = field.get_default()
            columns.append(_Column(field, fixed=(value, field.get_db_prep_save(value, connection))))
    names = tuple(column.field.attname for column in columns)
    if names[:3] != ("id", "blog_id", "post_id") or not set(GIVEN) <= set(names):
        raise ValueError(f"insert_new expects Received's fields to start with id, blog, post: {names}")
    inserted = [column for column in columns if column.field.attname != "id"]
    select = ", ".join("{post_id}" if c.returned else "%s" for c in inserted)
    conflict = ", ".join(quote(meta.get_field(name).column) for name in _pair_fields())
    returning = ", ".join(quote(c.field.column) for c in columns if c.returned)
    return _Insert(
        columns=tuple(columns),
        names=names,
        into=f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c.field.column) for c in inserted)})",
        select=f"SELECT {select}",
        tail=f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {returning}",
    )


def _pair_fields() -> tuple[str, ...]:
    """The fields of the once-per-pair constraint, given as fields= or as expressions (F("blog"))."""
    pair = next(c for c in Received._meta.constraints if c.name == ONCE_PER_PAIR)
    if not isinstance(pair, UniqueConstraint) or pair.condition is not None:
        raise ValueError(f"ON CONFLICT needs {ONCE_PER_PAIR} to be a plain unique constraint.")
    return tuple(pair.fields) or tuple(expression.name for expression in pair.expressions)


def _check_supported(field: Field) -> None:
    """Fields whose value the ORM makes at save time (auto_now, db_default, generated) are not
    handled here: say so at the first receipt rather than store a row create() would not."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        raise ValueError(f"webmention/store.py does not handle auto_now fields ({field.name}): add it.")
    if field.db_default is not NOT_PROVIDED or field.generated:
        raise ValueError(f"webmention/store.py does not handle db_default/generated ({field.name}): add it.")
