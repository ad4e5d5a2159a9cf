using Microsoft.Extensions.Options;
using QwenTts.Audio;
using QwenTts.Frontend.Hosting;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Quotas;
using QwenTts.Frontend.Speech;
using QwenTts.Grains.Interfaces.Jobs;
using QwenTts.Storage.Jobs;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// Validates a job like a speech request (same planner, larger input limit), charges the tenant's quotas, then does the
/// voice's card work (never before the limits), stores the job in its grain and the job queue, and wakes this frontend's
/// worker. Used by the API and by the chat-robot inbound endpoint.
/// </summary>
public sealed class JobSubmitter(
    IClusterClient cluster, SpeechPlanner planner, SpeechTextPlanner texts, TenantQuotas quotas, CallbackUrls callbacks,
    JobSchedule schedule, JobWorker worker, IOptions<JobOptions> options, TimeProvider clock)
{
    public async Task<(AudioJobView? Job, ApiProblem? Problem)> SubmitAsync(JobRequest request, Tenant tenant, string source, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (string.IsNullOrWhiteSpace(request.Input))
        {
            return Fail("input is required and must not be empty.");
        }

        if (request.Input.Length > limits.MaxInputCharacters)
        {
            return Fail($"input has {request.Input.Length} characters; the limit for a job is {limits.MaxInputCharacters}.");
        }

        if (request.CallbackUrl is { } url && callbacks.Check(url) is { } callbackProblem)
        {
            return Fail(callbackProblem);
        }

        var (settings, problem) = await planner.PlanSettingsAsync(request, tenant, SpeechSurface.Jobs);
        if (problem is not null)
        {
            return (null, problem);
        }

        var (text, textProblem) = await texts.PlanAsync(request, tenant, settings!, cancellationToken);
        if (textProblem is not null)
        {
            return (null, textProblem);
        }

        var rate = await quotas.AcquireRequestAsync(tenant);
        if (!rate.Allowed)
        {
            return (null, new ApiProblem(StatusCodes.Status429TooManyRequests, "Too many requests", rate.Reason!, rate.RetryAfter));
        }

        var characters = await quotas.ReserveCharactersAsync(tenant, text!.Characters, cancellationToken);
        if (!characters.Allowed)
        {
            return (null, new ApiProblem(StatusCodes.Status429TooManyRequests, "Character quota exhausted", characters.Reason!, characters.RetryAfter));
        }

        var created = false;
        try
        {
            // The voice's card work (a pending prompt) only now that the job is within its limits.
            (settings, problem) = await planner.PrepareVoiceAsync(settings!, cancellationToken);
            if (problem is not null)
            {
                return (null, problem);
            }

            // The job keeps its reservation: its grain gives the characters back if it fails or is deleted before its audio is made.
            var spec = new AudioJobSpec(tenant.Id, [.. text.Segments], text.Language, settings!.Voice, settings.VoiceName, settings.Seed,
                settings.Format, settings.Speed, text.Characters, request.CallbackUrl, limits.Retention, source,
                System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C } submitting ? submitting.Id : null,
                characters.Reservation, settings.VoiceSource, settings.SampleRate, settings.Pitch, settings.Volume, text.Styles?.ToArray(), text.TrailingPauseMilliseconds,
                tenant.AiNotice == AiNotices.Morse, text.Spans is { } spans ? [.. spans.SelectMany(s => new[] { s.Start, s.End })] : null);
            var (id, grain) = await CreateJobAsync(spec, cancellationToken);
            created = true;
            try
            {
                await schedule.AddAsync(id, clock.GetUtcNow(), CancellationToken.None);
            }
            catch
            {
                // Not queued, so never run: the job goes (and its reservation back to the quota) and the caller is told.
                await grain.DeleteAsync();
                throw;
            }

            worker.Wake();
            return (await grain.GetAsync(), null);
        }
        finally
        {
            if (!created)
            {
                await quotas.ReleaseAsync(tenant, characters.Reservation);
            }
        }
    }

    private static (AudioJobView?, ApiProblem?) Fail(string detail) => (null, ApiProblem.BadRequest(detail));

    /// <summary>An attempt to create the job's grain gives up after this long (it answers in milliseconds).</summary>
    private static readonly TimeSpan CreateAttemptTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Creates the job's grain, under a new id for each attempt: a new grain placed on a silo the network just cut off
    /// would hold the caller until that silo is declared dead. An attempt that did create its grain before its answer was
    /// lost leaves a job never queued, so never run; the reservation belongs to the job that is.
    /// </summary>
    private async Task<(string Id, IAudioJobGrain Grain)> CreateJobAsync(AudioJobSpec spec, CancellationToken cancellationToken) =>
        await TransientClusterCalls.RetryAsync(async () =>
        {
            var id = JobIds.New();
            var grain = cluster.GetGrain<IAudioJobGrain>(id);
            return await grain.CreateAsync(spec).WaitAsync(CreateAttemptTimeout, cancellationToken)
                ? (id, grain)
                : throw new InvalidOperationException($"job id {id} is taken");
        }, cancellationToken);
}
