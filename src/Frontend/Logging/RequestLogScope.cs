using System.Collections;

namespace QwenTts.Frontend.Logging;

/// <summary>
/// The scope every log line of a request carries: its path as logs show it (<see cref="LoggedPath"/>, so never an audio
/// link's token) and its request id. It takes the place of ASP.NET Core's hosting scope, which holds the raw path and
/// is turned off for that reason; the keys are the same, so log collectors see no difference.
/// </summary>
public sealed class RequestLogScope(string path, string requestId) : IReadOnlyList<KeyValuePair<string, object>>
{
    public int Count => 2;

    public KeyValuePair<string, object> this[int index] => index switch
    {
        0 => new("RequestPath", path),
        1 => new("RequestId", requestId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"RequestPath:{path} RequestId:{requestId}";
}
