using System.Web;
using QwenTts.Frontend.Auth;
using QwenTts.Frontend.Jobs;
using QwenTts.Frontend.Logging;
using QwenTts.Frontend.Problems;
using QwenTts.Grains.Interfaces.Jobs;
using QwenTts.Grains.Interfaces.Robots;
using QwenTts.Storage.Audio;

namespace QwenTts.Frontend.Robots;

/// <summary>
/// /v1/robots: a tenant's WeCom and DingTalk robots (credentials encrypted before they are stored), the inbound
/// broadcast endpoint (text in, job id out, audio posted to the robots when made), and the public audio links.
/// </summary>
public static class RobotEndpoints
{
    public static RouteGroupBuilder MapRobotEndpoints(this RouteGroupBuilder api)
    {
        var robots = api.MapGroup("/robots").WithTags("Robots");
        robots.MapGet("", ListAsync).WithName("ListRobots").WithSummary("Your tenant's chat robots (credentials are never shown)");
        robots.MapPut("/{tool}", SetAsync).WithName("SetRobot").WithSummary("Connect a WeCom or DingTalk group robot")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        robots.MapDelete("/{tool}", RemoveAsync).WithName("RemoveRobot").ProducesProblem(StatusCodes.Status404NotFound);
        robots.MapPost("/broadcast", BroadcastAsync).WithName("BroadcastText")
            .WithSummary("Text in, voice broadcast out: starts a job whose audio is posted to your robots; answers the job id")
            .Produces<BroadcastResponse>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/audio/links/{token}", GetLinkedAudioAsync).AllowAnonymous().WithSecretInPath().WithName("GetLinkedAudio").WithTags("Robots")
            .WithSummary("A job's audio through a time-limited link (what robots post); no API key needed")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> ListAsync(HttpContext context, IClusterClient cluster) =>
        TypedResults.Ok(new { data = (await cluster.GetGrain<ITenantRobotsGrain>(context.Tenant().Id).ListAsync()).Select(Response) });

    private static async Task<IResult> SetAsync(string tool, RobotRequest? request, HttpContext context, IClusterClient cluster, RobotCredentials credentials,
        TimeProvider clock)
    {
        if (!RobotTools.All.Contains(tool))
        {
            return ApiProblem.NotFound($"there is no robot tool '{tool}'; use one of: {string.Join(", ", RobotTools.All)}.").ToResult(context);
        }

        if (request?.WebhookUrl is not { } url || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return ApiProblem.BadRequest("webhook_url is required: the robot's webhook address as the chat tool shows it.").ToResult(context);
        }

        var query = HttpUtility.ParseQueryString(uri.Query);
        var (parameter, token) = tool == RobotTools.WeCom ? ("key", query["key"]) : ("access_token", query["access_token"]);
        if (string.IsNullOrWhiteSpace(token))
        {
            return ApiProblem.BadRequest($"webhook_url has no {parameter} parameter; copy the whole webhook address from the robot's settings.").ToResult(context);
        }

        if (tool == RobotTools.DingTalk && string.IsNullOrWhiteSpace(request.Secret))
        {
            return ApiProblem.BadRequest("secret is required for DingTalk: enable the robot's signature (加签) security setting and give its SEC... secret.").ToResult(context);
        }

        if (tool == RobotTools.WeCom && request.Secret is not null)
        {
            return ApiProblem.BadRequest("WeCom group robots have no secret; the key in webhook_url is the credential.").ToResult(context);
        }

        var binding = new RobotBinding(tool, credentials.Protect(token), request.Secret is { } secret ? credentials.Protect(secret) : null,
            token.Length > 4 ? "…" + token[^4..] : "…", clock.GetUtcNow());
        await cluster.GetGrain<ITenantRobotsGrain>(context.Tenant().Id).SetAsync(binding);
        return TypedResults.Ok(Response(binding));
    }

    private static async Task<IResult> RemoveAsync(string tool, HttpContext context, IClusterClient cluster) =>
        await cluster.GetGrain<ITenantRobotsGrain>(context.Tenant().Id).RemoveAsync(tool)
            ? TypedResults.NoContent()
            : ApiProblem.NotFound($"your tenant has no {tool} robot.").ToResult(context);

    private static async Task<IResult> BroadcastAsync(BroadcastRequest? request, HttpContext context, IClusterClient cluster, JobSubmitter submitter)
    {
        if (request is null)
        {
            return ApiProblem.BadRequest("a JSON body is required, e.g. {\"text\": \"Meeting at three\", \"voice\": \"alloy\"}.").ToResult(context);
        }

        if (request.Unrecognized is { Count: > 0 } unknown)
        {
            return ApiProblem.BadRequest($"unknown field(s) {string.Join(", ", unknown.Keys.Order(StringComparer.Ordinal))}; a broadcast takes {string.Join(", ", BroadcastRequest.Fields)} " +
                "(for other speech fields, make a job: POST /v1/audio/jobs).").ToResult(context);
        }

        var tenant = context.Tenant();
        var configured = (await cluster.GetGrain<ITenantRobotsGrain>(tenant.Id).ListAsync()).Select(r => r.Tool).ToArray();
        var tools = request.Tools ?? configured;
        if (tools.Length == 0)
        {
            return ApiProblem.BadRequest("your tenant has no robots; connect one with PUT /v1/robots/wecom or /v1/robots/dingtalk first.").ToResult(context);
        }

        if (tools.FirstOrDefault(t => !configured.Contains(t)) is { } missing)
        {
            return ApiProblem.BadRequest($"tools names '{missing}', which your tenant has not connected (connected: {string.Join(", ", configured)}).").ToResult(context);
        }

        var job = new JobRequest
        {
            Input = request.Text, Voice = request.Voice, Instructions = request.Instructions, Language = request.Language, Seed = request.Seed,
            ResponseFormat = "mp3",
        };
        var (created, problem) = await submitter.SubmitAsync(job, tenant, RobotTools.Source(tools.Distinct()), context.RequestAborted);
        return problem is not null
            ? problem.ToResult(context)
            : TypedResults.Accepted($"/v1/audio/jobs/{created!.Id}", new BroadcastResponse(created.Id, $"/v1/audio/jobs/{created.Id}", [.. tools.Distinct()]));
    }

    private static async Task<IResult> GetLinkedAudioAsync(string token, HttpContext context, AudioLinks links, IClusterClient cluster, IAudioStore store)
    {
        var id = links.JobOf(token);
        var job = id is null ? null : await cluster.GetGrain<IAudioJobGrain>(id).GetAsync();
        if (job is not { Status: AudioJobStatus.Completed } || await store.OpenReadAsync(JobAudioKeys.Content(job.Id, job.Format), context.RequestAborted) is not { } content)
        {
            return ApiProblem.NotFound("this audio link is not valid, or its audio has expired.").ToResult(context);
        }

        return TypedResults.File(content, JobEndpoints.ContentTypeOf(job.Format), $"{job.Id}.{job.Format}", enableRangeProcessing: true);
    }

    private static RobotResponse Response(RobotBinding binding) =>
        new(binding.Tool, binding.Hint, binding.ProtectedSecret is not null, binding.UpdatedAt.ToUnixTimeSeconds());
}
