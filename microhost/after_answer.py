"""Work a view hands over to run once its answer has been sent, so the client does not wait for it.

The WSGI server calls a response's close() after the last byte is out (granian, runserver and
Django's test client all do), and Django's own close() then sends request_finished, which may close
the database connection: so the work runs first. Micropub's 201 runs a create's post_changed
receivers this way, the Webmention endpoint's 202 the queueing of the verification (issue 7).

Nothing that must survive belongs here without a way back: if the process dies between the answer and
close(), or a middleware replaces the response, the work never runs.
"""

from __future__ import annotations

from collections.abc import Callable


class AfterAnswer:
    """Collects work until the answer is out; work handed over after that moment runs at once."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []
        self.passed = False

    def __call__(self, run: Callable[[], None]) -> None:
        if self.passed:
            run()
        else:
            self.pending.append(run)

    def run(self) -> None:
        self.passed = True
        pending, self.pending = self.pending, []
        for run in pending:
            run()


class RunsAfterAnswer:
    """Mixin for an HttpResponse class: close() runs the response's `after` before Django's own."""

    def __init__(self, *args, after: AfterAnswer | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.after = after

    def close(self) -> None:
        try:
            if self.after is not None:
                self.after.run()
        finally:
            super().close()
