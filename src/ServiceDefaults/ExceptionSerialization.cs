using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace QwenTts.ServiceDefaults;

/// <summary>
/// Lets storage errors cross the wire: when PostgreSQL is down, a grain fails with an NpgsqlException inside an
/// Orleans exception, and without this the caller would only see "no codec for NpgsqlException" instead of the cause.
/// Silos and clients must agree on it.
/// </summary>
public static class ExceptionSerialization
{
    public static IServiceCollection AllowStorageExceptions(this IServiceCollection services) =>
        services.Configure<ExceptionSerializationOptions>(options => options.SupportedNamespacePrefixes.Add("Npgsql"));
}
