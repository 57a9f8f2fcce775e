using AgentRnn.Core;
using AgentRnn.Host.Labeling;

namespace AgentRnn.Tests.Host.Label;

public class AtomicFileTests
{
    [Fact]
    public void Write_BeforeCommit_IsInThePartialFileOnly()
    {
        string path = Path.Combine(Path.GetTempPath(), $"agent-atomic-{Guid.NewGuid():N}", "rows.jsonl");
        using (AtomicFile file = AtomicFile.Create(path))
        {
            file.Write("{\"frame\":0}\n"u8);

            Assert.False(File.Exists(path));
            using (var reader = new FileStream(file.PartialPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                Assert.Equal(12, reader.Length);
            }
            file.Commit();
        }

        Assert.Equal("{\"frame\":0}\n", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void Create_UnderAFile_FailsWithOneLineNamingThePath()
    {
        string blocker = Path.GetTempFileName();
        string path = Path.Combine(blocker, "out.jsonl");

        var error = Assert.Throws<AgentException>(() => AtomicFile.Create(path));

        Assert.StartsWith($"{path}: cannot write output", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
