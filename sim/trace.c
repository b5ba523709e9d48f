// SPDX-License-Identifier: GPL-2.0
/*
 * Chrome trace-event JSON (the "JSON Array Format" that Perfetto and chrome://tracing
 * open): one track per pCPU (pid 0, tid = CPU) with a complete ("X") event for every
 * span a task ran. Times are in microseconds with ns precision.
 */
#include <stdio.h>

#include "kvmsim/sched.h"

static void comma(struct host *h)
{
	if (!h->trace_first)
		fputs(",\n", h->trace);
	h->trace_first = false;
}

void trace_begin(struct host *h)
{
	fputs("{\"displayTimeUnit\": \"ns\", \"traceEvents\": [\n", h->trace);
	h->trace_first = true;
	for (int c = 0; c < h->nr_cpus; c++) {
		comma(h);
		fprintf(h->trace, "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 0, \"tid\": %d, "
				  "\"args\": {\"name\": \"CPU %d\"}}", c, c);
	}
}

static void span(struct host *h, int cpu, const char *name, u64 start, u64 end)
{
	comma(h);
	fprintf(h->trace, "{\"name\": \"%s\", \"ph\": \"X\", \"pid\": 0, \"tid\": %d, "
			  "\"ts\": %llu.%03llu, \"dur\": %llu.%03llu}", name, cpu,
		(unsigned long long)(start / 1000), (unsigned long long)(start % 1000),
		(unsigned long long)((end - start) / 1000), (unsigned long long)((end - start) % 1000));
}

void trace_switch(struct rq *rq, struct task_struct *prev, struct task_struct *next)
{
	struct host *h = rq->host;
	u64 now = h->sim->now;

	if (prev && now > rq->trace_since)
		span(h, rq->cpu, prev->name, rq->trace_since, now);
	rq->trace_since = now;
}

void trace_end(struct host *h)
{
	for (int c = 0; c < h->nr_cpus; c++) {
		struct rq *rq = &h->rqs[c];

		if (rq->curr && h->sim->now > rq->trace_since)
			span(h, c, rq->curr->name, rq->trace_since, h->sim->now);
	}
	fputs("\n]}\n", h->trace);
}
