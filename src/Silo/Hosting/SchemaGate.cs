using Microsoft.Extensions.Options;
using QwenTts.Storage.Migrations;

namespace QwenTts.Silo.Hosting;

/// <summary>
/// Runs before Orleans starts: migrates the schema when asked to, otherwise refuses to start on a schema that is
/// not the one this build expects (a silo on the wrong schema corrupts nothing, but fails in confusing ways).
/// </summary>
public sealed partial class SchemaGate(SchemaMigrator migrator, IOptions<SiloHostOptions> options, ILogger<SchemaGate> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MigrateOnStartup)
        {
            await migrator.MigrateAsync(cancellationToken);
            return;
        }

        var status = await migrator.GetStatusAsync(cancellationToken);
        if (!status.IsCurrent)
        {
            throw new InvalidOperationException(
                $"PostgreSQL {status}. Run 'QwenTts.Silo migrate' (or start with --Silo:MigrateOnStartup=true) first.");
        }

        LogSchemaChecked(status.CurrentVersion);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL schema version {Version} is current")]
    private partial void LogSchemaChecked(int version);
}
