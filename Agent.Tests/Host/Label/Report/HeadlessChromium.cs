using System.Diagnostics;

namespace AgentRnn.Tests.Host.Label.Report;

/// <summary>
/// Debian's chromium, headless, offline and with a fresh profile per run: a screenshot or the DOM after the page's
/// scripts ran. Every run is bounded: past its deadline the whole process tree is killed and the test fails.
/// </summary>
internal static class HeadlessChromium
{
    /// <summary>The browser: chromium on PATH (tools/ensure-test-deps.sh installs Debian's).</summary>
    public static string Executable =>
        new[] { "chromium", "chromium-browser" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("chromium is not installed; run: sudo apt-get install -y chromium (tools/ensure-test-deps.sh does it as root)");

    /// <summary>Saves a <paramref name="width"/>×<paramref name="height"/> screenshot of <paramref name="page"/> as PNG.</summary>
    public static Task ScreenshotAsync(string page, string png, int width, int height, TimeSpan timeout) =>
        RunAsync([$"--screenshot={png}", $"--window-size={width},{height}", "--hide-scrollbars", "--force-device-scale-factor=1", Url(page)], timeout);

    /// <summary>The page's DOM, serialised after its scripts ran.</summary>
    public static Task<string> DumpDomAsync(string page, TimeSpan timeout) => RunAsync(["--dump-dom", Url(page)], timeout);

    private static string Url(string path) => new Uri(Path.GetFullPath(path)).AbsoluteUri;

    private static async Task<string> RunAsync(string[] arguments, TimeSpan timeout)
    {
        string profile = Path.Combine(Path.GetTempPath(), $"agent-chromium-{Guid.NewGuid():N}");
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // No network of any kind: the report must draw from the file alone.
        foreach (string argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--disable-dev-shm-usage", $"--user-data-dir={profile}",
        }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new TimeoutException($"chromium {string.Join(' ', arguments)} did not finish in {timeout.TotalSeconds:0} s: killed");
            }
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"chromium exited with {process.ExitCode}: {(await stderr).Trim()}");
            }
            return await stdout;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
