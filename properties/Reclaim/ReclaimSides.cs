using MMSpec.Impl.Reclaim;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;
using Xunit;

namespace MMSpec.Properties.Reclaim;

/// <summary>The two sides every hand-written reclaim test runs on: the model and the implementation.</summary>
public static class ReclaimSides
{
    public static readonly IReadOnlyList<string> Names = ["model", "impl"];

    public static TheoryData<string> All => [.. Names];

    /// <summary>A fresh reclaim system of <paramref name="side"/> for <paramref name="config"/>.</summary>
    public static IReclaimSystem Create(string side, ReclaimConfig config) =>
        side == "model" ? new ReclaimModel(config) : new ReclaimSystem(config);

    /// <summary>Every free frame taken by order-0 kernel allocations, lowest first: their pfns.</summary>
    public static List<Pfn> TakeEveryFreeFrame(IReclaimSystem system, ReclaimConfig config)
    {
        var taken = new List<Pfn>();
        while (system.KernelAlloc(new Order(0)) is { IsOk: true } pfn)
        {
            taken.Add(pfn.Value);
            Assert.True(taken.Count <= (int)config.Frames, "the machine runs out of frames");
        }

        return taken;
    }
}
