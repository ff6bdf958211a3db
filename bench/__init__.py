"""Throughput benchmark of the event store and the projection runner against their raw baselines.

`python -m bench` (or `make bench`) starts its own nats-server (JetStream, `sync_interval: always`)
and SecantusDB on free ports in a temporary folder, measures

1. appends: raw `js.publish` versus `JetStreamEventStore.append` (and `load()` + `append`),
2. projection: raw `bulk_write` of the same upserts versus `ProjectionRunner` with the real
   submission dossier register (`Dossiers`),
3. reporting: raw `bulk_write` of one upsert per event versus the rebuild of every projection of
   the reporting service's runtime from a stream of 100,000 events of several communes,

prints a table with each figure as a percentage of its baseline, and removes everything again.
"""
