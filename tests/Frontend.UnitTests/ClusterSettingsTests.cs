using Microsoft.Extensions.Configuration;
using QwenTts.ServiceDefaults;

namespace QwenTts.Frontend.UnitTests;

/// <summary>The database connection string (it holds the password) comes by environment or file, never argv.</summary>
public sealed class ClusterSettingsTests
{
    private const string Secret = "Host=127.0.0.1;Database=q;Username=u;Password=s3cret";

    [Theory]
    [InlineData("--ConnectionStrings:Cluster=" + Secret)]
    [InlineData("--connectionstrings__cluster=" + Secret)]
    [InlineData("/ConnectionStrings:Cluster=" + Secret)]
    public void A_connection_string_on_the_command_line_is_refused_without_echoing_the_password(string argument)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine([argument]).Build();

        var error = Assert.Throws<InvalidOperationException>(() => ClusterSettings.From(configuration, ["QwenTts.Silo.dll", argument]));

        Assert.Contains("command line", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_connection_string_is_read_from_the_environment_or_from_a_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Secret + "\n");
            var fromEnvironment = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Cluster"] = Secret }).Build();
            var fromFile = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:ClusterFile"] = file }).Build();

            Assert.Equal(Secret, ClusterSettings.From(fromEnvironment, ["QwenTts.Silo.dll", "--Silo:Name=a"]).ConnectionString);
            Assert.Equal(Secret, ClusterSettings.From(fromFile, ["QwenTts.Frontend.dll"]).ConnectionString);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_missing_secret_file_is_named_in_the_error()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:ClusterFile"] = "/nonexistent/db" }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => ClusterSettings.From(configuration, []));

        Assert.Contains("/nonexistent/db", error.Message, StringComparison.Ordinal);
    }
}
