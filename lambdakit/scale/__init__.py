"""Lambda under load: concurrency quotas and scaling, load tests, schedules, async retry
policies, and the discrete-event simulation of a month of traffic."""
