using System.Runtime.InteropServices;
using QwenTts.LocalCluster;

using var stop = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
return await EmbeddedDefault.RunAsync(LocalClusterOptions.Parse(args), stop.Token);
