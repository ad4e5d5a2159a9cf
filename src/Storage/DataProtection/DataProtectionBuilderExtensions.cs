using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace QwenTts.Storage.DataProtection;

public static class DataProtectionBuilderExtensions
{
    /// <summary>Keeps the key ring in the cluster's PostgreSQL (see <see cref="PostgresXmlRepository"/>).</summary>
    public static IDataProtectionBuilder PersistKeysToPostgres(this IDataProtectionBuilder builder, string? legacyDirectory = null)
    {
        builder.Services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((options, dataSource) =>
            options.XmlRepository = new PostgresXmlRepository(dataSource, legacyDirectory));
        return builder;
    }
}
