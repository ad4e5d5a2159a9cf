// Each test breaks its own running system on purpose; one at a time keeps their timings honest on 2 cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
