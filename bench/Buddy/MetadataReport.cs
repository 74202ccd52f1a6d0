using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;

namespace MMSpec.Bench.Buddy;

/// <summary>The implementation's metadata bytes per frame (flags, list links, and the lowest-address index).</summary>
internal static class MetadataReport
{
    public static void Print(TextWriter output)
    {
        output.WriteLine("| frames | placement | metadata bytes per frame |");
        output.WriteLine("|---|---|---|");
        foreach (var shift in new[] { 14, 20, 24 })
        {
            foreach (var placement in Enum.GetValues<Placement>())
            {
                var buddy = new BuddyAllocator(MemoryLayout.X86(1UL << shift), placement);
                output.WriteLine($"| 2^{shift} | {placement} | {buddy.MetadataBytesPerFrame:0.00} |");
            }
        }
    }
}
