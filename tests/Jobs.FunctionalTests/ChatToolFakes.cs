using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace QwenTts.Jobs.FunctionalTests;

/// <summary>
/// Loopback fakes of the two chat tools' robot APIs, answering as their references document: WeCom upload_media
/// gives {"errcode":0,"errmsg":"ok","type":..,"media_id":..,"created_at":..}, send and DingTalk robot/send give
/// {"errcode":0,"errmsg":"ok"}. Unknown paths answer 404, so a wrong URL shows up as a failed delivery.
/// </summary>
public sealed class ChatToolFakes : IAsyncDisposable
{
    private LoopbackServer? _wecom;
    private LoopbackServer? _dingtalk;

    public LoopbackServer WeCom => _wecom ?? throw new InvalidOperationException("not started");

    public LoopbackServer DingTalk => _dingtalk ?? throw new InvalidOperationException("not started");

    /// <summary>A test's own answer to a DingTalk request (null: the documented one); the tests of the collection run one at a time.</summary>
    public Func<LoopbackServer.Received, IResult?>? DingTalkAnswer { get; set; }

    public async Task StartAsync()
    {
        _wecom = await LoopbackServer.StartAsync((request, n) => request.Method != "POST" ? Results.StatusCode(405) : Path(request) switch
        {
            "/cgi-bin/webhook/upload_media" => Results.Json(new
            {
                errcode = 0, errmsg = "ok", type = Query(request, "type"), media_id = $"media-{n}", created_at = "1700000000",
            }),
            "/cgi-bin/webhook/send" => Results.Json(new { errcode = 0, errmsg = "ok" }),
            _ => Results.NotFound(),
        });
        _dingtalk = await LoopbackServer.StartAsync((request, _) => DingTalkAnswer?.Invoke(request)
            ?? (request.Method == "POST" && Path(request) == "/robot/send" ? Results.Json(new { errcode = 0, errmsg = "ok" }) : Results.NotFound()));
    }

    public static string Path(LoopbackServer.Received request) => request.PathAndQuery.Split('?')[0];

    public static string? Query(LoopbackServer.Received request, string name) =>
        System.Web.HttpUtility.ParseQueryString(new Uri("http://x" + request.PathAndQuery).Query)[name];

    public static JsonElement Json(LoopbackServer.Received request) => JsonDocument.Parse(request.Body).RootElement.Clone();

    public async ValueTask DisposeAsync()
    {
        if (_wecom is not null)
        {
            await _wecom.DisposeAsync();
        }

        if (_dingtalk is not null)
        {
            await _dingtalk.DisposeAsync();
        }
    }
}
