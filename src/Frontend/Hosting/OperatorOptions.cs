namespace QwenTts.Frontend.Hosting;

/// <summary>Where operators reach the frontend's /dashboard and /metrics; bound from <c>Operator</c>.</summary>
public sealed class OperatorOptions
{
    public const string Section = "Operator";

    /// <summary>
    /// A port the process also listens on (list it in the URLs too, e.g. <c>--urls="http://0.0.0.0:8080;http://0.0.0.0:9090"</c>).
    /// The operator surfaces answer only on connections to it; unset, they are not served at all.
    /// </summary>
    public int? Port { get; set; }

    /// <summary>The Orleans dashboard (on the operator port) can be turned off on its own.</summary>
    public bool Dashboard { get; set; } = true;
}
