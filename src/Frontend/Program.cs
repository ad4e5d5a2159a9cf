using QwenTts.Frontend.Hosting;

var app = FrontendHost.Build(args);
await app.RunAsync();
