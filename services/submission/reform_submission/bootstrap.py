"""Wires the submission service's adapters to its handlers, in one place."""

from __future__ import annotations

from fastapi import FastAPI

from reform_shared.commands import CommandBus
from reform_shared.http.app import create_app
from reform_shared.ids import Clock, SystemClock
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings
from reform_submission.adapters.attachments import AttachmentStore
from reform_submission.application.commands import SubmissionCommands
from reform_submission.application.dossiers import Dossiers
from reform_submission.application.queries import SubmissionQueries
from reform_submission.application.service import SubmissionService
from reform_submission.entrypoints.http import router

SERVICE = "submission"
DEFAULT_PORT = 8101


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ServiceRuntime(settings, projections=(Dossiers(),), run_projections=run_projections)


def build_app(runtime: ServiceRuntime, clock: Clock | None = None) -> FastAPI:
    app = create_app(runtime, [router], title="Dịch vụ tiếp nhận sáng kiến (submission)")
    app.state.clock = clock or SystemClock()

    async def wire(rt: ServiceRuntime) -> None:
        assert rt.store is not None and rt.idempotency is not None and rt.db is not None and rt.js is not None
        bucket = rt.settings.attachments_bucket
        await rt.await_object_store(bucket)  # provisioned beside the stream, never created here
        app.state.service = SubmissionService(
            SubmissionCommands(CommandBus(rt.store, rt.idempotency)),
            SubmissionQueries(rt.db),
            AttachmentStore(rt.js, bucket, max_bytes=rt.settings.max_upload_bytes),
        )

    runtime.on_started.append(wire)
    return app
