using Microsoft.Extensions.Options;
using QwenTts.Grains.Interfaces.Robots;

namespace QwenTts.Frontend.Robots;

/// <summary>
/// Posts a finished broadcast job to each chat tool it names, with the tenant's robot for that tool; a tool failing
/// does not stop the others, and each outcome is reported ("wecom: voice; dingtalk: failed: ...").
/// </summary>
public sealed partial class RobotBroadcaster(
    IClusterClient cluster, RobotCredentials credentials, WeComRobot wecom, DingTalkRobot dingtalk, Jobs.JobMetrics metrics, IOptions<RobotOptions> options,
    ILogger<RobotBroadcaster> logger)
{
    public async Task<string> BroadcastAsync(string tenant, IReadOnlyList<string> tools, RobotAudio audio, CancellationToken cancellationToken)
    {
        var robots = (await cluster.GetGrain<ITenantRobotsGrain>(tenant).ListAsync()).ToDictionary(r => r.Tool);
        var outcomes = new List<string>();
        foreach (var tool in tools)
        {
            string outcome;
            var ok = false;
            if (!robots.TryGetValue(tool, out var robot))
            {
                outcome = "failed: no robot configured";
            }
            else
            {
                try
                {
                    outcome = await SendWithRetriesAsync(robot, audio, cancellationToken);
                    ok = true;
                }
                catch (Exception ex) when (ex is RobotDeliveryException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    outcome = "failed: " + ex.Message;
                    LogDeliveryFailed(audio.JobId, tool, ex.Message);
                }
            }

            metrics.Delivered(tool, ok);
            outcomes.Add($"{tool}: {outcome}");
        }

        return string.Join("; ", outcomes);
    }

    private async Task<string> SendWithRetriesAsync(RobotBinding robot, RobotAudio audio, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Value.Timeout);
                var token = credentials.Unprotect(robot.ProtectedToken);
                return robot.Tool switch
                {
                    RobotTools.WeCom => await wecom.SendAsync(token, audio, timeout.Token),
                    RobotTools.DingTalk => await dingtalk.SendAsync(token, credentials.Unprotect(robot.ProtectedSecret!), audio, timeout.Token),
                    _ => throw new RobotDeliveryException($"unknown tool {robot.Tool}", retryable: false),
                };
            }
            catch (Exception ex) when (attempt < options.Value.MaxAttempts && !cancellationToken.IsCancellationRequested
                && (ex is HttpRequestException or TaskCanceledException || ex is RobotDeliveryException { Retryable: true }))
            {
                LogRetrying(audio.JobId, robot.Tool, attempt, ex.Message);
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: {Tool} robot attempt {Attempt} failed ({Reason}); retrying")]
    private partial void LogRetrying(string job, string tool, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: {Tool} robot delivery failed: {Reason}")]
    private partial void LogDeliveryFailed(string job, string tool, string reason);
}
