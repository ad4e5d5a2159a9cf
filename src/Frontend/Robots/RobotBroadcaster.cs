using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using QwenTts.Frontend.Outbound;
using QwenTts.Grains.Interfaces.Robots;

namespace QwenTts.Frontend.Robots;

/// <summary>
/// Posts a finished broadcast job to each chat tool it names, with the tenant's robot for that tool; a tool failing
/// does not stop the others, and each outcome ("voice", "failed: ...") is handed to <c>reached</c> as soon as it is known
/// (the job's grain records it, so a sender that dies mid-broadcast leaves only the tools not yet reached). Whatever
/// goes wrong with one robot (credentials that do not open, the network, the tool's answer) is that robot's failure
/// with a reason, never an exception that would leave the job without its robots_status.
/// </summary>
public sealed partial class RobotBroadcaster(
    IClusterClient cluster, RobotCredentials credentials, WeComRobot wecom, DingTalkRobot dingtalk, Jobs.JobMetrics metrics, IOptions<RobotOptions> options,
    ILogger<RobotBroadcaster> logger)
{
    /// <summary>Long enough to reach one tool: every attempt's timeout and the waits between them, with a timeout's margin.</summary>
    public TimeSpan Lease => (options.Value.Timeout * (options.Value.MaxAttempts + 1)) + (FirstRetryDelay * Math.Pow(2, options.Value.MaxAttempts));

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(500);

    public async Task BroadcastAsync(string tenant, IReadOnlyList<string> tools, RobotAudio audio, Func<string, string, Task> reached,
        CancellationToken cancellationToken)
    {
        Dictionary<string, RobotBinding> robots;
        try
        {
            robots = (await cluster.GetGrain<ITenantRobotsGrain>(tenant).ListAsync()).ToDictionary(r => r.Tool);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogRobotsUnreadable(audio.JobId, ex.GetType().Name, ex.Message);
            foreach (var tool in tools)
            {
                metrics.Delivered(tool, false);
                await reached(tool, $"failed: the tenant's robots could not be read ({ex.GetType().Name})");
            }

            return;
        }

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
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    outcome = "failed: " + Reason(ex);
                    LogDeliveryFailed(audio.JobId, tool, ex.GetType().Name, ex.Message);
                }
            }

            metrics.Delivered(tool, ok);
            await reached(tool, outcome);
        }
    }

    private async Task<string> SendWithRetriesAsync(RobotBinding robot, RobotAudio audio, CancellationToken cancellationToken)
    {
        var (token, secret) = Open(robot);
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Value.Timeout);
                return robot.Tool switch
                {
                    RobotTools.WeCom => await wecom.SendAsync(token, audio, timeout.Token),
                    RobotTools.DingTalk => await dingtalk.SendAsync(token, secret ?? throw new RobotDeliveryException("the DingTalk robot has no secret stored; connect it again.", retryable: false),
                        audio, timeout.Token),
                    _ => throw new RobotDeliveryException($"unknown tool {robot.Tool}", retryable: false),
                };
            }
            catch (Exception ex) when (attempt < options.Value.MaxAttempts && !cancellationToken.IsCancellationRequested
                && (ex is HttpRequestException or OperationCanceledException || ex is RobotDeliveryException { Retryable: true }))
            {
                LogRetrying(audio.JobId, robot.Tool, attempt, ex.Message);
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
            }
        }
    }

    /// <summary>The robot's credentials in clear; a key ring without the key that sealed them is a delivery failure that says what to do.</summary>
    private (string Token, string? Secret) Open(RobotBinding robot)
    {
        try
        {
            return (credentials.Unprotect(robot.ProtectedToken), robot.ProtectedSecret is { } secret ? credentials.Unprotect(secret) : null);
        }
        catch (CryptographicException ex)
        {
            LogCannotOpen(robot.Tool, ex.Message);
            throw new RobotDeliveryException(
                $"the robot's stored credentials cannot be opened with this cluster's key ring (the key that sealed them is not in it); connect the robot again with PUT /v1/robots/{robot.Tool}.",
                retryable: false);
        }
    }

    /// <summary>Our words for a failure: a tool's own refusal says what the tool said; a network failure never its raw text.</summary>
    private static string Reason(Exception exception) => exception switch
    {
        RobotDeliveryException => exception.Message,
        JsonException => "the tool answered with something other than JSON",
        HttpRequestException or OperationCanceledException or TimeoutException => OutboundFailure.Describe(exception),
        _ => $"an unexpected error ({exception.GetType().Name}; the frontend's log has the details)",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: {Tool} robot attempt {Attempt} failed ({Reason}); retrying")]
    private partial void LogRetrying(string job, string tool, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: {Tool} robot delivery failed ({Error}): {Reason}")]
    private partial void LogDeliveryFailed(string job, string tool, string error, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: the robot broadcast could not start ({Error}): {Reason}")]
    private partial void LogRobotsUnreadable(string job, string error, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A {Tool} robot's credentials do not open with the Data Protection key ring: {Reason}")]
    private partial void LogCannotOpen(string tool, string reason);
}
