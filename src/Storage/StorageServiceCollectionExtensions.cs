using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using QwenTts.Storage.Migrations;

namespace QwenTts.Storage;

public static class StorageServiceCollectionExtensions
{
    public const string HealthCheckName = "postgres";

    /// <summary>Registers the pooled PostgreSQL data source, the schema migrator and the readiness check.</summary>
    public static IServiceCollection AddQwenTtsStorage(this IServiceCollection services, string connectionString, params string[] healthCheckTags)
    {
        services.AddSingleton(_ =>
        {
            var builder = new NpgsqlDataSourceBuilder(connectionString);
            builder.ConnectionStringBuilder.Timeout = Math.Min(builder.ConnectionStringBuilder.Timeout, 5);
            return builder.Build();
        });
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<Tenants.TenantStore>();
        services.AddSingleton<Tenants.UsageStore>();
        services.AddSingleton<Tenants.QuotaLeaseStore>();
        services.AddSingleton<Voices.VoiceConsentStore>();
        services.AddSingleton<Jobs.JobSchedule>();
        services.AddSingleton<Lexicons.LexiconStore>();
        services.AddHealthChecks().AddCheck<PostgresHealthCheck>(HealthCheckName, tags: healthCheckTags);
        return services;
    }
}
