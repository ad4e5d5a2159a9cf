using System.Net.Sockets;
using Npgsql;

namespace QwenTts.Frontend.Admin;

/// <summary>
/// Turns what can go wrong between an admin command and PostgreSQL into one line that says what failed and what to
/// do. Anything unforeseen is still one line (its type and message): an operator needs the reason, not the stack.
/// </summary>
public static class AdminFailure
{
    public const string ConnectionHelp =
        "Set ConnectionStrings__Cluster in the environment to the cluster database " +
        "(embedded default: ./deploy/local/admin.sh finds it for you).";

    public static string Describe(Exception exception, string? connectionString)
    {
        var where = Where(connectionString);
        return exception switch
        {
            AdminUsageException usage => usage.Message,
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword } =>
                $"PostgreSQL at {where} refused the user name or password. {ConnectionHelp}",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } pg =>
                $"PostgreSQL at {where}: {pg.MessageText}. Check Database= in the connection string.",
            PostgresException { SqlState: PostgresErrorCodes.UndefinedTable } =>
                $"The database at {where} has no QwenTts schema yet. Apply it with 'QwenTts.Silo migrate' (a silo also applies it at start).",
            PostgresException pg => $"PostgreSQL at {where} answered: {pg.MessageText} ({pg.SqlState}).",
            NpgsqlException npgsql when npgsql.Message.Contains("password", StringComparison.OrdinalIgnoreCase) =>
                $"PostgreSQL at {where} needs a password and the connection string has none. {ConnectionHelp}",
            NpgsqlException npgsql when Find<SocketException>(npgsql) is { } socket =>
                $"Cannot connect to PostgreSQL at {where} ({socket.Message}). Is it running? {ConnectionHelp}",
            NpgsqlException npgsql when Find<TimeoutException>(npgsql) is not null =>
                $"PostgreSQL at {where} did not answer in time. Is it running and reachable? {ConnectionHelp}",
            NpgsqlException npgsql => $"PostgreSQL at {where} failed: {npgsql.Message}",
            InvalidOperationException or ArgumentException => exception.Message,
            _ => $"{exception.GetType().Name}: {exception.Message}",
        };
    }

    private static string Where(string? connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return $"{builder.Host}:{builder.Port}/{builder.Database}";
        }
        catch (ArgumentException)
        {
            return "the configured address";
        }
    }

    private static T? Find<T>(Exception exception) where T : Exception
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
