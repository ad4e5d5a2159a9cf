using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace QwenTts.Storage;

/// <summary>
/// Asks PostgreSQL a trivial query every <see cref="PostgresProbeOptions.Interval"/> and exports the answer as
/// <c>qwentts_postgres_up</c> (1 reachable, 0 not), so an alert can say the quota store, voices and usage are out of
/// reach before tenants see 503s; the readiness check only answers when something polls it. Each change is logged once.
/// </summary>
public sealed partial class PostgresProbe(NpgsqlDataSource dataSource, IMeterFactory meters, TimeProvider clock, IOptions<PostgresProbeOptions> options,
    ILogger<PostgresProbe> logger) : BackgroundService
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(5);

    private volatile int _up = -1; // unknown until the first answer: not exported

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        meters.Create(Audio.AudioStoreMetrics.MeterName).CreateObservableGauge("qwentts.postgres.up",
            () => _up < 0 ? Array.Empty<Measurement<int>>() : [new Measurement<int>(_up)],
            description: "1 while this process reaches PostgreSQL (cluster membership, tenants and quotas, voices, usage), 0 while it does not");
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        do
        {
            await ProbeAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).AsTask().ContinueWith(t => !t.IsCanceled && t.Result, TaskScheduler.Default));
    }

    private async Task ProbeAsync(CancellationToken stoppingToken)
    {
        string? problem = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(QueryTimeout);
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            problem = ex is OperationCanceledException ? $"no answer within {QueryTimeout.TotalSeconds:0} s" : ex.Message;
        }

        var up = problem is null ? 1 : 0;
        var was = _up;
        _up = up;
        if (up == 0 && was != 0)
        {
            LogUnreachable(problem!);
        }
        else if (up == 1 && was == 0)
        {
            LogReachable();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL unreachable ({Reason}): qwentts_postgres_up is 0 until it answers")]
    private partial void LogUnreachable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL reachable again")]
    private partial void LogReachable();
}

/// <summary>The reachability probe; bound from <c>Storage:Probe</c>.</summary>
public sealed class PostgresProbeOptions
{
    public const string Section = "Storage:Probe";

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);
}

public static class PostgresProbeServiceCollectionExtensions
{
    /// <summary>The probe behind <c>qwentts_postgres_up</c>; needs <see cref="StorageServiceCollectionExtensions.AddQwenTtsStorage"/>.</summary>
    public static IServiceCollection AddPostgresProbe(this IServiceCollection services)
    {
        services.AddOptions<PostgresProbeOptions>().BindConfiguration(PostgresProbeOptions.Section)
            .Validate(o => o.Interval > TimeSpan.Zero, "Storage:Probe:Interval must be positive.").ValidateOnStart();
        services.AddHostedService<PostgresProbe>();
        return services;
    }
}
