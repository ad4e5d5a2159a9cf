namespace QwenTts.Engine.Batching;

/// <summary>
/// Blocking calls run at once, each on a thread of its own. A decode lane batches only the utterances that are really
/// running together; blocking calls put on the thread pool run one after another when the pool is busy (it adds a thread
/// only every half second or so), and would never share a step.
/// </summary>
public static class OnOwnThreads
{
    /// <summary>Runs <paramref name="body"/> for 0 .. <paramref name="count"/> - 1, each on its own thread, and gathers the results in order.</summary>
    public static Task<T[]> RunAsync<T>(int count, Func<int, T> body) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            Task.Factory.StartNew(() => body(i), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
}
