using System.Net.Http.Json;

namespace QwenTts.Frontend.FunctionalTests;

internal static class SpeechApi
{
    public const string TwoSentences = "Hello from the cluster. This is the second sentence of the test.";

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, object body, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech") { Content = JsonContent.Create(body) }, completion);

    /// <summary>Posts a JSON body exactly as written (malformed or oddly typed bodies included).</summary>
    public static Task<HttpResponseMessage> PostRawJsonAsync(HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    public static async Task<string> ProblemDetailAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("detail").GetString() ?? "";
    }
}
