"""Wires the submission service's adapters to its handlers, in one place."""

from __future__ import annotations

from fastapi import FastAPI

from reform_shared.http.app import create_app
from reform_shared.ids import Clock, SystemClock
from reform_shared.runtime import Connections, ServiceRuntime
from reform_shared.settings import Settings
from reform_submission.adapters.attachments import AttachmentStore
from reform_submission.application.commands import SubmissionCommands
from reform_submission.application.directory import DirectoryViews
from reform_submission.application.dossiers import Dossiers
from reform_submission.application.queries import SubmissionQueries
from reform_submission.application.service import SubmissionService
from reform_submission.entrypoints.http import router
from reform_submission.wiring import SubmissionWiring

SERVICE = "submission"
DEFAULT_PORT = 8101


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ServiceRuntime(settings, projections=(Dossiers(),), run_projections=run_projections)


def build_app(runtime: ServiceRuntime, clock: Clock | None = None) -> FastAPI:
    async def wire(c: Connections) -> SubmissionWiring:
        bucket = c.settings.attachments_bucket
        await runtime.await_object_store(bucket)  # provisioned beside the stream, never created here
        return SubmissionWiring(SubmissionService(
            SubmissionCommands(c.bus(), DirectoryViews(c.db, c.store)),
            SubmissionQueries(c.db),
            AttachmentStore(c.js, bucket, max_bytes=c.settings.max_upload_bytes),
        ))

    app = create_app(runtime, [router], title="Dịch vụ tiếp nhận sáng kiến (submission)", wire=wire)
    app.state.clock = clock or SystemClock()
    return app
