using System.Diagnostics;
using System.Text.Json;
using QwenTts.Audio;
using QwenTts.Frontend.Auth;
using QwenTts.Frontend.Logging;
using QwenTts.Frontend.Metrics;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Quotas;
using QwenTts.Frontend.Usage;
using QwenTts.Routing;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Speech;

/// <summary>
/// POST /v1/audio/speech: the OpenAI-compatible speech endpoint, streamed as the audio is made. The order is the point:
/// cheap checks, then the request rate and character quota, and only then card work (the voice, then the speech).
/// </summary>
public static partial class SpeechEndpoints
{
    public static RouteGroupBuilder MapSpeechEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/audio/speech", CreateSpeechAsync)
            .WithName("CreateSpeech")
            .WithSummary("Generate audio from text")
            .WithDescription("OpenAI-compatible. The audio is streamed as it is generated (stream_format audio) or as server-sent events (sse).")
            .Accepts<SpeechRequest>("application/json")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(SpeechLimits.MaxBodyBytesWithReferenceAudio))
            .Produces(StatusCodes.Status200OK, contentType: "audio/mpeg")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    private static async Task<IResult> CreateSpeechAsync(
        SpeechRequest? request, HttpContext context, SpeechPlanner planner, SpeechStreamer streamer, TenantQuotas quotas,
        UsageRecorder usage, FrontendMetrics metrics, ILoggerFactory loggers, Microsoft.Extensions.Options.IOptions<SpeechLimits> limits,
        Microsoft.Extensions.Options.IOptions<AiContentLabelOptions> labels)
    {
        var tenant = context.Tenant();
        if (request is null)
        {
            return ApiProblem.BadRequest("a JSON body is required, e.g. {\"input\": \"Hello\", \"voice\": \"alloy\"}.").ToResult(context);
        }

        // The route admits bodies large enough for ref_audio; without one the usual limit holds.
        if (request.RefAudio is null && context.Request.ContentLength > limits.Value.MaxBodyBytes)
        {
            return new ApiProblem(StatusCodes.Status413PayloadTooLarge, "Payload too large",
                $"The request body is too large: the limit is {limits.Value.MaxBodyBytes} bytes without ref_audio.").ToResult(context);
        }

        var (plan, problem) = await planner.PlanAsync(request, tenant, context.RequestAborted);
        if (problem is not null)
        {
            return problem.ToResult(context);
        }

        context.Features.Set(new RequestIdFeature(plan!.RequestId));

        var rate = await quotas.AcquireRequestAsync(tenant);
        if (!rate.Allowed)
        {
            return new ApiProblem(StatusCodes.Status429TooManyRequests, "Too many requests", rate.Reason!, rate.RetryAfter).ToResult(context);
        }

        var characters = await quotas.ReserveCharactersAsync(tenant, plan.Characters, context.RequestAborted);
        if (!characters.Allowed)
        {
            return new ApiProblem(StatusCodes.Status429TooManyRequests, "Character quota exhausted", characters.Reason!, characters.RetryAfter).ToResult(context);
        }

        var started = Stopwatch.GetTimestamp();
        var progress = new SpeechProgress();
        var outcome = "completed";
        try
        {
            // Card work for the voice (cloning ref_audio, deriving a pending prompt) only now that the request is within
            // its limits, and cancelled if the caller goes away.
            var (prepared, voiceProblem) = await planner.PrepareVoiceAsync(plan, context.RequestAborted);
            if (voiceProblem is not null)
            {
                outcome = voiceProblem.Status < 500 ? "invalid" : "refused";
                return voiceProblem.ToResult(context);
            }

            plan = prepared!;
            return await StreamAsync(plan, progress, context, streamer, metrics, started, labels.Value.For(plan.RequestId));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            outcome = "cancelled";
            return Results.Empty;
        }
        catch (ClusterSaturatedException ex) when (!context.Response.HasStarted)
        {
            outcome = "refused";
            return new ApiProblem(StatusCodes.Status503ServiceUnavailable, "All cards are busy", ex.Message, ex.RetryAfter).ToResult(context);
        }
        catch (InvalidSynthesisRequestException ex) when (!context.Response.HasStarted)
        {
            outcome = "invalid";
            return ApiProblem.BadRequest(ex.Message).ToResult(context);
        }
        catch (SynthesisFailedException ex) when (!context.Response.HasStarted)
        {
            outcome = "failed";
            return new ApiProblem(StatusCodes.Status503ServiceUnavailable, "Synthesis could not run", ex.Message, TimeSpan.FromSeconds(2)).ToResult(context);
        }
        catch (CodecUnavailableException ex) when (!context.Response.HasStarted)
        {
            outcome = "failed";
            return new ApiProblem(StatusCodes.Status501NotImplemented, $"Format {plan.Format} unavailable", ex.Message).ToResult(context);
        }
        catch (Exception ex) when (context.Response.HasStarted)
        {
            // Part of the audio is out: SSE says so in an event (as vLLM-Omni does); a plain stream can only be broken.
            outcome = "failed";
            Activity.Current?.SetStatus(ActivityStatusCode.Error, "failed after audio was sent: " + ex.Message);
            LogFailedMidStream(loggers.CreateLogger(nameof(SpeechEndpoints)), plan.RequestId, ex.Message);
            if (plan.ServerSentEvents && await TrySendErrorAsync(context.Response, plan.RequestId, ex))
            {
                return Results.Empty;
            }

            context.Abort();
            return Results.Empty;
        }
        finally
        {
            // A request refused or failed before any audio costs nothing: its characters go back to today's allowance.
            // Once audio went out the characters count, in the grain and in the metered usage alike.
            var charged = outcome == "completed" || progress.Samples > 0;
            if (!charged)
            {
                await quotas.ReleaseAsync(tenant, characters.Reservation);
            }

            var cards = string.Join(",", progress.Devices.Distinct());
            context.Features.Set(new ServedByFeature(cards));
            usage.Record(new UsageRecord(plan.RequestId, tenant.Id, "/v1/audio/speech", charged ? plan.Characters : 0,
                progress.AudioSeconds(SpeechStreamer.SampleRate), cards, plan.VoiceName, outcome,
                DateTimeOffset.UtcNow));
            metrics.RequestFinished(tenant.Id, outcome, plan.Format, Stopwatch.GetElapsedTime(started), progress.AudioSeconds(SpeechStreamer.SampleRate));
        }
    }

    /// <summary>The stream, with its encoder's span and a playback clock: a request that fell behind playback is counted once.</summary>
    private static async Task<IResult> StreamAsync(SpeechPlan plan, SpeechProgress progress, HttpContext context, SpeechStreamer streamer,
        FrontendMetrics metrics, long started, AiContentLabel label)
    {
        using var encoder = new TracedEncoder(AudioEncoders.Create(plan.Format, SpeechStreamer.SampleRate, plan.SampleRate, label), plan.Format, Activity.Current?.Context ?? default);
        var playback = new PlaybackClock(SpeechStreamer.SampleRate);
        try
        {
            return await SendAsync(plan, progress, context, streamer, metrics, started, encoder, playback);
        }
        finally
        {
            if (playback.Underruns > 0)
            {
                metrics.FellBehind(FrontendMetrics.SpeechApi, playback.SilenceSeconds);
            }
        }
    }

    /// <summary>Waits for the first audio before answering, so a refusal can still be a 503; then streams.</summary>
    private static async Task<IResult> SendAsync(SpeechPlan plan, SpeechProgress progress, HttpContext context, SpeechStreamer streamer,
        FrontendMetrics metrics, long started, IAudioEncoder encoder, PlaybackClock playback)
    {
        await using var audio = streamer.RunAsync(plan, progress, context.RequestAborted).GetAsyncEnumerator(context.RequestAborted);
        var hasAudio = await audio.MoveNextAsync();
        metrics.FirstAudio(Stopwatch.GetElapsedTime(started));

        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Request-Id"] = plan.RequestId;
        response.Headers[VoiceSources.Header] = plan.VoiceSource;
        if (plan.ServerSentEvents)
        {
            response.ContentType = "text/event-stream";
            await SendEventAsync(response, new { type = "speech.audio.delta", audio = Convert.ToBase64String(encoder.Begin()) }, context.RequestAborted);
            long sentSamples = 0;
            var stamped = 0;
            while (hasAudio)
            {
                playback.Sent(audio.Current.Length);
                sentSamples += audio.Current.Length;
                await SendEventAsync(response, new { type = "speech.audio.delta", audio = Convert.ToBase64String(encoder.Encode(audio.Current)) }, context.RequestAborted);
                hasAudio = await audio.MoveNextAsync();
                stamped = await SendSegmentsAsync(response, progress, stamped, hasAudio ? sentSamples : long.MaxValue, context.RequestAborted);
            }

            await SendEventAsync(response, new { type = "speech.audio.delta", audio = Convert.ToBase64String(encoder.End()) }, context.RequestAborted);
            await SendEventAsync(response, new
            {
                type = "speech.audio.done",
                usage = new { input_tokens = plan.Characters, output_tokens = progress.Frames, total_tokens = plan.Characters + progress.Frames },
                served_by = progress.Devices.Distinct().ToArray(),
                voice_prompts = progress.VoicePrompts.Distinct().ToArray(),
                voice_source = plan.VoiceSource,
            }, context.RequestAborted);
            return Results.Empty;
        }

        response.ContentType = encoder.ContentType;
        await WriteAsync(response, encoder.Begin(), context.RequestAborted);
        while (hasAudio)
        {
            playback.Sent(audio.Current.Length);
            await WriteAsync(response, encoder.Encode(audio.Current), context.RequestAborted);
            hasAudio = await audio.MoveNextAsync();
        }

        await WriteAsync(response, encoder.End(), context.RequestAborted);
        return Results.Empty;
    }

    /// <summary>speech.audio.segment for each finished segment whose audio is all sent; returns how many are sent now.</summary>
    private static async Task<int> SendSegmentsAsync(HttpResponse response, SpeechProgress progress, int sent, long sentSamples, CancellationToken cancellationToken)
    {
        for (; sent < progress.Timestamps.Count && progress.TimestampEnds[sent] <= sentSamples; sent++)
        {
            var stamp = progress.Timestamps[sent];
            await SendEventAsync(response, new
            {
                type = "speech.audio.segment",
                text = stamp.Text,
                text_start = stamp.TextStart,
                text_end = stamp.TextEnd,
                audio_start = stamp.AudioStart,
                audio_end = stamp.AudioEnd,
            }, cancellationToken);
        }

        return sent;
    }

    private static async Task WriteAsync(HttpResponse response, byte[] bytes, CancellationToken cancellationToken)
    {
        if (bytes.Length > 0)
        {
            await response.Body.WriteAsync(bytes, cancellationToken);
        }

        await response.Body.FlushAsync(cancellationToken);
    }

    private static async Task<bool> TrySendErrorAsync(HttpResponse response, string requestId, Exception failure)
    {
        try
        {
            await SendEventAsync(response, new
            {
                type = "speech.audio.error",
                error = new { message = $"synthesis failed after part of the audio was sent ({failure.Message}); request {requestId}", type = "server_error" },
            }, CancellationToken.None);
            return true;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task SendEventAsync(HttpResponse response, object payload, CancellationToken cancellationToken)
    {
        await response.WriteAsync("data: " + JsonSerializer.Serialize(payload) + "\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Speech request {RequestId} failed after audio was sent: {Reason}")]
    private static partial void LogFailedMidStream(ILogger logger, string requestId, string reason);
}
