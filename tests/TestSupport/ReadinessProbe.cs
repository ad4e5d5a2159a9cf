using System.Text.Json;

namespace QwenTts.TestSupport;

/// <summary>Reads the active silos a process reports on its <c>/readyz</c> check named <paramref name="check"/>.</summary>
public static class ReadinessProbe
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<string> ActiveSilosAsync(Uri baseAddress, string check)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(baseAddress, "/readyz"));
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            if (!body.RootElement.GetProperty("checks").TryGetProperty(check, out var entry)
                || !entry.TryGetProperty("data", out var data) || !data.TryGetProperty("activeSilos", out var silos))
            {
                return "";
            }

            return string.Join(",", silos.EnumerateArray().Select(s => s.GetString()));
        }
        catch (HttpRequestException ex)
        {
            return "unreachable: " + ex.Message;
        }
    }
}
