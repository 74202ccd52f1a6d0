using MMSpec.Impl.Reclaim;
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
}
