using MMSpec.Conformance.MemorySystem;
using MMSpec.Impl.MemorySystem;
using MMSpec.Model.MemorySystem;
using Xunit.Abstractions;

namespace MMSpec.Properties.MemorySystem;

/// <summary>The implementation's watermarks at the exact level: Linux 6.18's marks, reserves and answers.</summary>
public sealed class WatermarkProperties(ITestOutputHelper output) : WatermarkExactSpecification(output)
{
    protected override IWatermarks Create() => new ZoneWatermarkTable();
}

/// <summary>The reference keeps the order of the marks, which is stated apart from it.</summary>
public sealed class WatermarkModelProperties(ITestOutputHelper output) : WatermarkSafeSpecification(output)
{
    protected override IWatermarks Create() => new WatermarksModel();
}
