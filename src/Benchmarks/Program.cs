using QwenTts.Benchmarks;

return args.FirstOrDefault() switch
{
    "engine" => await EngineBenchmark.RunAsync(args[1..]),
    "batch-steps" => await BatchStepsBenchmark.RunAsync(args[1..]),
    "routing" => await RoutingBenchmark.RunAsync(args[1..]),
    "soak" => await SoakBenchmark.RunAsync(args[1..]),
    "longtext" => await LongTextBenchmark.RunAsync(args[1..]),
    "seams" => await SeamsBenchmark.RunAsync(args[1..]),
    "resume" => await ResumeBenchmark.RunAsync(args[1..]),
    "stopping" => await StoppingBenchmark.RunAsync(args[1..]),
    "recordings" => await RecordingsBenchmark.RunAsync(args[1..]),
    "jobs-queue" => await JobQueueBenchmark.RunAsync(args[1..]),
    "speech-controls" => await SpeechControlsBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: QwenTts.Benchmarks engine [--size proportional|small|tiny | full|0.6b [--model DIR] [--levels 1] [--utterances 2] [--compare-frames 24] [--no-export]] [--configurations export,export-static,host-lookups,cached-predictor,cached+host,cached+host-static] [--utterances N] [--threads T] [--providers cpu,cuda] [--device D] [--levels 1,4] [--cudnn-conv-algo-search HEURISTIC] [--profile DIR] | engine --batched [--size proportional|full] [--model DIR] [--levels 1,4,8,16] [--lanes L] [--rows R] [--rounds N] [--frames N] [--provider cpu|cuda] [--device D] [--standard] | batch-steps [--size proportional|full] [--model DIR] [--levels 1,2,4,8,16] [--seconds 4] [--threads 1] [--lanes CORES] | seams [--size small] [--frames N] | resume [--size proportional] [--frames N] [--rounds R] | stopping [--size tiny] [--seeds N] [--cap F] | recordings [--seconds 60] [--runs 5] | speech-controls [--seconds 6] [--runs 5] | routing [--seconds S] [--repeats R] [--loads 50,85,110] [--stall S] [--stall-bound S] [--show-caught] [--show-underruns] [--without-moves] [--move-below 0.5] [--policies least-expected-completion,round-robin,...] [--show-slowest N] [--batched [--batch-step-cost 0.5] [--playback-buffer 1]] | soak [--minutes M] [--rate R] | jobs-queue [--polls 300] [--room 2]");
    return 2;
}
