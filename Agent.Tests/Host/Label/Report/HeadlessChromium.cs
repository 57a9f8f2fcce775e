using System.Diagnostics;

namespace AgentRnn.Tests.Host.Label.Report;

/// <summary>
/// Debian's chromium, headless, offline and with a fresh profile per run: the DOM after the page's scripts ran, and
/// a screenshot. Every run is bounded: past its deadline the whole process tree is killed and the test fails.
/// </summary>
internal static class HeadlessChromium
{
    /// <summary>The browser: chromium on PATH (tools/ensure-test-deps.sh installs Debian's).</summary>
    public static string Executable =>
        new[] { "chromium", "chromium-browser" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("chromium is not installed; run: sudo apt-get install -y chromium (tools/ensure-test-deps.sh does it as root)");

    /// <summary>
    /// Loads <paramref name="page"/> and returns its DOM as serialised after its scripts ran; with
    /// <paramref name="screenshot"/>, also saves a <paramref name="width"/>×<paramref name="height"/> PNG of it (one
    /// browser start for both).
    /// </summary>
    public static Task<string> RenderAsync(string page, TimeSpan timeout, string? screenshot = null, int width = 1280, int height = 1100)
    {
        string[] shot = screenshot is null
            ? []
            : [$"--screenshot={screenshot}", $"--window-size={width},{height}", "--hide-scrollbars", "--force-device-scale-factor=1"];
        return RunAsync([.. shot, "--dump-dom", Url(page)], timeout);
    }

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
