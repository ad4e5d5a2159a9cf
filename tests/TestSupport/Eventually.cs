namespace QwenTts.TestSupport;

/// <summary>Polls a condition until it holds or a deadline passes; for effects that take the cluster a moment.</summary>
public static class Eventually
{
    public static async Task<T> HoldsAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last = await probe();
        while (!condition(last))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}; last observed: {last}");
            }

            await Task.Delay(200);
            last = await probe();
        }

        return last;
    }
}
