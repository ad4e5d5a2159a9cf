using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using QwenTts.Audio;
using QwenTts.Frontend.Auth;
using QwenTts.Frontend.Hosting;
using QwenTts.Frontend.Logging;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Quotas;
using QwenTts.Frontend.Speech;
using QwenTts.Frontend.Text;
using QwenTts.Grains.Interfaces.Jobs;
using QwenTts.Storage.Audio;
using QwenTts.Storage.Jobs;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// /v1/audio/jobs: long inputs made in the background and kept for a while. A job is created here, run by whichever
/// frontend holds its lease (<see cref="JobWorker"/>), and read back by id; another tenant's job is simply not found.
/// </summary>
public static partial class JobEndpoints
{
    public static RouteGroupBuilder MapJobEndpoints(this RouteGroupBuilder api, JobOptions options)
    {
        var jobs = api.MapGroup("/audio/jobs").WithTags("Jobs");
        jobs.MapPost("", CreateAsync)
            .WithName("CreateAudioJob")
            .WithSummary("Start an asynchronous speech job")
            .WithDescription("Same fields as /v1/audio/speech for inputs up to Jobs:MaxInputCharacters; answers 202 with the job. Optional callback_url gets a signed POST when it ends.")
            .WithMetadata(new RequestSizeLimitAttribute(options.MaxBodyBytes))
            .Accepts<JobRequest>("application/json")
            .Produces<JobResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        jobs.MapGet("/callback-secret", GetCallbackSecret)
            .WithName("GetJobCallbackSecret")
            .WithSummary("Your tenant's secret for checking X-QwenTts-Signature on job callbacks")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{id}", GetAsync)
            .WithName("GetAudioJob")
            .WithSummary("A job's status, progress and error")
            .Produces<JobResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{id}/content", GetContentAsync)
            .WithName("GetAudioJobContent")
            .WithSummary("The finished audio (range requests supported)")
            .Produces(StatusCodes.Status200OK, contentType: "audio/mpeg")
            .Produces(StatusCodes.Status206PartialContent, contentType: "audio/mpeg")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);
        jobs.MapGet("/{id}/timestamps", GetTimestampsAsync)
            .WithName("GetAudioJobTimestamps")
            .WithSummary("Each segment's text range (offsets into input) and audio range (seconds) in the finished audio")
            .Produces<JobTimestampsResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);
        jobs.MapGet("/{id}/subtitles.vtt", GetSubtitlesAsync)
            .WithName("GetAudioJobSubtitles")
            .WithSummary("The finished audio's segments as WebVTT cues")
            .Produces(StatusCodes.Status200OK, contentType: WebVtt.ContentType)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);
        jobs.MapDelete("/{id}", DeleteAsync)
            .WithName("DeleteAudioJob")
            .WithSummary("Delete a job and its audio (a running job stops)")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> CreateAsync(JobRequest? request, HttpContext context, JobSubmitter submitter)
    {
        if (request is null)
        {
            return ApiProblem.BadRequest("a JSON body is required, e.g. {\"input\": \"A long text...\", \"voice\": \"alloy\"}.").ToResult(context);
        }

        var (job, problem) = await submitter.SubmitAsync(request, context.Tenant(), "api", context.RequestAborted);
        if (problem is not null)
        {
            return problem.ToResult(context);
        }

        context.Features.Set(new RequestIdFeature(job!.Id));
        return TypedResults.Accepted($"/v1/audio/jobs/{job.Id}", JobResponse.From(job));
    }

    private static IResult GetCallbackSecret(HttpContext context, CallbackSigner signer) => signer.Enabled
        ? TypedResults.Ok(new { header = CallbackSigner.Header, secret = signer.TenantSecret(context.Tenant().Id), scheme = "t=<unix seconds>,v1=hex(HMAC-SHA256(secret, \"<t>.\" + body))" })
        : ApiProblem.NotFound("callbacks are off on this server (Jobs:Callbacks:SigningKey is not set).").ToResult(context);

    private static async Task<IResult> GetAsync(string id, HttpContext context, IClusterClient cluster)
    {
        var job = await FindAsync(id, context, cluster);
        return job is null ? NotFound(id, context) : TypedResults.Ok(JobResponse.From(job));
    }

    private static async Task<IResult> GetContentAsync(string id, HttpContext context, IClusterClient cluster, IAudioStore store)
    {
        var job = await FindAsync(id, context, cluster);
        if (job is null)
        {
            return NotFound(id, context);
        }

        if (NotCompleted(job, context) is { } notCompleted)
        {
            return notCompleted;
        }

        var content = await store.OpenReadAsync(JobAudioKeys.Content(id, job.Format), context.RequestAborted);
        if (content is null)
        {
            // The grain says completed but the store has nothing: a store that lost data is a system failure, not the caller's.
            return new ApiProblem(StatusCodes.Status500InternalServerError, "Audio missing", $"job '{id}' is complete but its audio is not in the store.").ToResult(context);
        }

        context.Response.Headers.CacheControl = "private, max-age=3600";
        return TypedResults.File(content, ContentTypeOf(job.Format), $"{id}.{job.Format}", enableRangeProcessing: true);
    }

    private static async Task<IResult> GetTimestampsAsync(string id, HttpContext context, IClusterClient cluster, IOptions<SpeechLimits> limits)
    {
        var (stamps, problem) = await TimestampsAsync(id, context, cluster, limits.Value);
        return problem ?? TypedResults.Ok(new JobTimestampsResponse(id, "audio.job.timestamps", "segment", stamps!));
    }

    private static async Task<IResult> GetSubtitlesAsync(string id, HttpContext context, IClusterClient cluster, IOptions<SpeechLimits> limits)
    {
        var (stamps, problem) = await TimestampsAsync(id, context, cluster, limits.Value);
        return problem ?? TypedResults.Text(WebVtt.Write(stamps!), WebVtt.ContentType, System.Text.Encoding.UTF8);
    }

    private static async Task<(IReadOnlyList<SegmentTimestamp>? Stamps, IResult? Problem)> TimestampsAsync(string id, HttpContext context, IClusterClient cluster,
        SpeechLimits limits)
    {
        var job = await FindAsync(id, context, cluster);
        if (job is null)
        {
            return (null, NotFound(id, context));
        }

        if (NotCompleted(job, context) is { } notCompleted)
        {
            return (null, notCompleted);
        }

        var grain = cluster.GetGrain<IAudioJobGrain>(id);
        var spec = (await grain.GetSpecAsync())!;
        return (JobTimestamps.Of(spec, await grain.GetSegmentsAsync(), limits.SegmentPauseMilliseconds), null);
    }

    /// <summary>Why a job has no audio to read (expired, failed, not finished); null when it is complete.</summary>
    private static IResult? NotCompleted(AudioJobView job, HttpContext context) => job.Status switch
    {
        AudioJobStatus.Expired => new ApiProblem(StatusCodes.Status410Gone, "Audio expired",
            $"job '{job.Id}' finished at {job.CompletedAt:u}; its audio expired at {job.ExpiresAt:u} (kept for Jobs:Retention).").ToResult(context),
        AudioJobStatus.Failed => new ApiProblem(StatusCodes.Status409Conflict, "Job failed", $"job '{job.Id}' failed and has no audio: {job.Error}").ToResult(context),
        not AudioJobStatus.Completed => new ApiProblem(StatusCodes.Status409Conflict, "Job not finished",
            $"job '{job.Id}' is {job.Status.ToString().ToLowerInvariant()} ({job.SegmentsDone}/{job.SegmentsTotal} segments); poll GET /v1/audio/jobs/{job.Id}.",
            TimeSpan.FromSeconds(2)).ToResult(context),
        _ => null,
    };

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, IClusterClient cluster, IAudioStore store, JobSchedule schedule)
    {
        var job = await FindAsync(id, context, cluster);
        if (job is null)
        {
            return NotFound(id, context);
        }

        // The audio first: a store that fails answers 503 with the job still whole, to be deleted again. A running job that
        // stores one more segment after this finds its grain gone and deletes its own audio.
        await store.DeletePrefixAsync(JobAudioKeys.Prefix(id), context.RequestAborted);
        await cluster.GetGrain<IAudioJobGrain>(id).DeleteAsync();
        await schedule.RemoveAsync(id, context.RequestAborted);
        return TypedResults.NoContent();
    }

    /// <summary>The job if it exists and belongs to the caller's tenant; otherwise null (never "forbidden": ids do not leak).</summary>
    private static async Task<AudioJobView?> FindAsync(string id, HttpContext context, IClusterClient cluster)
    {
        if (!JobIds.IsValid(id))
        {
            return null;
        }

        var grain = cluster.GetGrain<IAudioJobGrain>(id);
        var job = await TransientClusterCalls.RetryReadAsync(grain.GetAsync, TransientClusterCalls.ReadAttemptTimeout, context.RequestAborted);
        return job is not null && job.Tenant == context.Tenant().Id ? job : null;
    }


    private static IResult NotFound(string id, HttpContext context) =>
        ApiProblem.NotFound($"there is no job '{id}' for your tenant.").ToResult(context);

    public static string ContentTypeOf(string format) => format switch
    {
        "mp3" => "audio/mpeg",
        "opus" => "audio/ogg",
        "flac" => "audio/flac",
        "wav" => "audio/wav",
        "aac" => "audio/aac",
        "pcm_mulaw" => "audio/PCMU",
        "pcm_alaw" => "audio/PCMA",
        _ => "audio/pcm",
    };
}
