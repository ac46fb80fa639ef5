#pragma once

#include <chrono>
#include <vector>

#include "api/types.h"
#include "controller/context.h"
#include "controller/events.h"
#include "metrics/recorder.h"

namespace pgrevise::controller {

// Records a reconcile's result in the metrics: the resource's gauges (phase, pending revisions, heads) every
// time, and the counters and histograms of finished runs and backups once, on the events of their transition
// (so a repeated reconcile counts nothing twice). Durations and lock waits come from the Job reports.
void observe_metrics(metrics::ResourceMetrics& metrics, const api::PostgresMigration& resource,
                     const Facts& facts, const api::Status& before, const api::Status& after,
                     const std::vector<Event>& events, std::chrono::system_clock::time_point now);

}  // namespace pgrevise::controller
