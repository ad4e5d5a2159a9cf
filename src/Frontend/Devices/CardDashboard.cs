using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Routing;

namespace QwenTts.Frontend.Devices;

/// <summary>
/// GET /cards on the operator port: the card table as routing sees it, one row per card with its health (and why), load
/// and throughput, refreshed every few seconds. The Orleans dashboard shows grains and silos, not what a card is fit
/// for; this page shows what /v1/devices and qwentts_device_health say, for a person.
/// </summary>
public static class CardDashboard
{
    public const string Path = "/cards";

    public static IEndpointRouteBuilder MapCardDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (DeviceRouter router) => TypedResults.Content(Render(router.Devices, router.Waiting, DateTimeOffset.UtcNow), "text/html; charset=utf-8"))
            .ExcludeFromDescription();
        return app;
    }

    public static string Render(IReadOnlyList<DeviceLoad> cards, int waiting, DateTimeOffset now)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"3\">")
            .Append("<title>QwenTts cards</title><style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}")
            .Append("th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}.healthy{background:#e6f4ea}.degraded{background:#fff4ce}")
            .Append(".unhealthy{background:#fde7e9}</style></head><body><h1>Cards</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p>{cards.Count} card(s) in the routing table; {waiting} request(s) waiting for room; {now:u}.</p>")
            .Append("<table><thead><tr><th>card</th><th>kind</th><th>health</th><th>reason</th><th>state</th><th>running</th>")
            .Append("<th>queued</th><th>frames/s</th><th>completed</th><th>failed</th><th>last report</th></tr></thead><tbody>");
        foreach (var card in cards.OrderBy(c => c.Device.Key, StringComparer.Ordinal))
        {
            var health = card.Health.ToString().ToLowerInvariant();
            var state = card.Draining ? "draining" : card.Stalled ? "stalled" : "serving";
            html.Append(CultureInfo.InvariantCulture, $"<tr class=\"{health}\" data-card=\"{Encode(card.Device.Key)}\">")
                .Append(CultureInfo.InvariantCulture, $"<td>{Encode(card.Device.Key)}</td><td>{Encode(card.Kind.ToString().ToLowerInvariant())}{(card.Emulated ? " (emulated)" : "")}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{health}</td><td>{Encode(card.HealthReason ?? "")}</td><td>{state}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{card.Active} / {card.MaxConcurrent}</td><td>{card.Queued} / {card.QueueLimit}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{card.FramesPerSecond:0.0}</td><td>{card.CompletedTotal}</td><td>{card.FailedTotal}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{(now - card.ReportedAt).TotalSeconds:0.0} s ago</td></tr>");
        }

        return html.Append("</tbody></table></body></html>").ToString();
    }

    private static string Encode(string text) => HtmlEncoder.Default.Encode(text);
}
