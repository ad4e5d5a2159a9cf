// One running system for every test here, one test at a time: the long job restarts its frontend and kills a silo.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
