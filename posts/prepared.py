"""The hot reads of blog pages with their SQL compiled by the ORM once per process (issue 7).

Building and compiling the queryset of a home page cost ~1 ms of CPU, more than PostgreSQL spent
answering it and a fifth of an uncached page. A PreparedQuery asks the ORM for a query's SQL once,
with marker values where each call's values go, then only binds new values: the SQL, the columns and
the conversion of rows into model instances stay the ORM's own (paths.py does the same by hand for
one column).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router
from django.db.models import JSONField, Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

# LIMIT/OFFSET as parameters: the ORM writes a slice as literals, which would compile a query per page.
# The syntax PostgreSQL, SQLite and MySQL share.
PAGED_SQL = " LIMIT %s OFFSET %s"


@dataclass(frozen=True)
class _Compiled:
    """One query as the ORM compiled it, and where its rows go."""

    alias: str
    sql: str
    params: tuple  # the compiled parameters, markers included
    slots: tuple[str | None, ...]  # the marker each parameter stands for, or None for a fixed value
    columns: tuple  # the selected expressions, whose converters turn database values into Python ones
    init_names: tuple[str, ...]  # the model fields the first len(init_names) columns hold
    annotations: tuple[tuple[str, int], ...]  # (attribute, column) of each annotation
    # The columns' converters, worked out once per connection (each thread has its own): asking every
    # field and the backend for them on each call was ~7 % of an uncached permalink.
    _converters: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary, compare=False)

    def bind(self, values: dict[str, Any], extra: list) -> list:
        """The parameters of one call: its values where the markers were, then `extra`."""
        pairs = zip(self.params, self.slots, strict=True)
        return [values[slot] if slot else fixed for fixed, slot in pairs] + extra

    def rows(self, params: list) -> list:
        """Run the SQL; each row's values converted as the ORM converts them (JSON, booleans, dates)."""
        connection = connections[self.alias]
        compiler = connection.ops.compiler("SQLCompiler")(None, connection, self.alias)
        converters = self._converters.get(connection)
        if converters is None:
            converters = self._converters[connection] = _quicker(compiler.get_converters(self.columns))
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        return list(compiler.apply_converters(rows, converters)) if converters else rows


def _quicker(converters: dict) -> dict:
    """The ORM's converters, each JSONField's (without a decoder of its own) making the empty list and
    object directly, not with json.loads(): most posts hold "[]" or "{}" in their three JSON columns.
    Reading a page of 20 posts went from 0.60 to 0.50 ms of CPU (issue 7)."""
    return {
        position: ([_empty_json_first(convert) for convert in convs], expression)
        for position, (convs, expression) in converters.items()
    }


def _empty_json_first(convert: Callable) -> Callable:
    owner = getattr(convert, "__self__", None)
    if getattr(convert, "__func__", None) is not JSONField.from_db_value or owner.decoder is not None:
        return convert

    def converted(value, expression, connection):
        if value == "[]":
            return []
        if value == "{}":
            return {}
        return convert(value, expression, connection)

    return converted


class PreparedQuery:
    """A queryset whose SQL is compiled once per database (and variant); a call binds new values.

    `build(**markers)` returns the queryset with the marker values standing where a call's values go;
    each marker must be exactly one of the compiled parameters and equal nothing else there (negative
    ids and NUL-prefixed strings do). A call's values are bound as given (ints and strings: no field
    conversion happens). Calls return model instances (no select_related: one model) or,
    with `values=True`, the selected values of each row as a tuple. `paged` adds LIMIT/OFFSET
    parameters. A value the ORM writes into the SQL itself (a time zone) is a `variant`: build gets it
    as a keyword, and each variant is compiled once.
    """

    def __init__(
        self,
        model: type[Model],
        build: Callable[..., QuerySet],
        *,
        markers: dict,
        paged: bool = False,
        values: bool = False,
    ):
        self.model = model
        self.build = build
        self.markers = markers
        self.paged = paged
        self.values = values
        self._compiled: dict[tuple, _Compiled] = {}

    def __call__(
        self, *, limit: int | None = None, offset: int = 0, variant: str | None = None, **values: Any
    ) -> list:
        compiled = self._compiled_for(router.db_for_read(self.model), variant)
        rows = compiled.rows(compiled.bind(values, [limit, offset] if self.paged else []))
        if self.values:
            return [tuple(row) for row in rows]
        return _instances(self.model, compiled, rows)

    def _compiled_for(self, alias: str, variant: str | None) -> _Compiled:
        key = (alias, connections[alias].vendor, variant)
        if key not in self._compiled:
            keywords = self.markers if variant is None else {**self.markers, "variant": variant}
            self._compiled[key] = self._compile(self.build(**keywords).using(alias))
        return self._compiled[key]

    def _compile(self, queryset: QuerySet) -> _Compiled:
        if queryset.model is not self.model:
            raise ValueError(f"The queryset is of {queryset.model}, not {self.model}.")
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in self.markers.items()}
        slots = tuple(by_value.get(param) if isinstance(param, (int, str)) else None for param in params)
        if sorted(filter(None, slots)) != sorted(self.markers):
            raise ValueError(f"Each marker must be exactly one parameter of the query: {slots}")
        return _Compiled(
            alias=queryset.db,
            sql=sql + (PAGED_SQL if self.paged else ""),
            params=tuple(params),
            slots=slots,
            columns=tuple(column for column, _sql, _alias in compiler.select),
            init_names=() if self.values else _model_columns(compiler),
            annotations=tuple(compiler.annotation_col_map.items()),
        )


def _model_columns(compiler) -> tuple[str, ...]:
    """The fields of the model's columns, which must come first (as in a plain model query)."""
    info = compiler.klass_info
    if info is None or info.get("related_klass_infos"):
        raise ValueError("PreparedQuery makes instances of one model: no values(), no select_related().")
    fields = info["select_fields"]
    if fields != list(range(len(fields))):
        raise ValueError("The model's columns must come first.")
    return tuple(compiler.select[i][0].target.attname for i in fields)


def _instances(model: type[Model], compiled: _Compiled, rows: list) -> list[Model]:
    """The instances Model.from_db() makes, annotations set as attributes.

    Filled in directly: Model.__init__ sends two signals and sets each field through its descriptor.
    Skipping it took 20 % off the CPU of a permalink listing 235 responses and 5-10 % off a home page
    or a feed (issue 7). Each column goes into the instance's __dict__, where those setters put a
    fresh instance's values, and a model's `after_load()` runs as its from_db() runs it. A model whose
    from_db() does more, or whose instances someone listens for (pre_init, post_init), is made by
    from_db() itself."""
    if not _fills_directly(model):
        return _instances_by_from_db(model, compiled, rows)
    names, alias = compiled.init_names, compiled.alias
    annotations, after_load = compiled.annotations, getattr(model, "after_load", None)
    found = []
    for row in rows:
        instance = model.__new__(model)
        state = instance.__dict__["_state"] = ModelState()
        state.adding, state.db = False, alias
        instance.__dict__.update(zip(names, row, strict=False))  # the model's columns come first
        for attribute, column in annotations:
            instance.__dict__[attribute] = row[column]
        if after_load is not None:
            after_load(instance)
        found.append(instance)
    return found


def _fills_directly(model: type[Model]) -> bool:
    plain_from_db = model.from_db.__func__ is Model.from_db.__func__ or hasattr(model, "after_load")
    return plain_from_db and not (pre_init.has_listeners(model) or post_init.has_listeners(model))


def _instances_by_from_db(model: type[Model], compiled: _Compiled, rows: list) -> list[Model]:
    width = len(compiled.init_names)
    found = []
    for row in rows:
        instance = model.from_db(compiled.alias, compiled.init_names, row[:width])
        for attribute, column in compiled.annotations:
            setattr(instance, attribute, row[column])
        found.append(instance)
    return found
