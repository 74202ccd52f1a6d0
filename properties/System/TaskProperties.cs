using MMSpec.Conformance.MemorySystem;
using MMSpec.Impl.MemorySystem;
using MMSpec.Model.MemorySystem;
using Xunit.Abstractions;

namespace MMSpec.Properties.MemorySystem;

/// <summary>The implementation's process table in lockstep with the model.</summary>
public sealed class TaskProperties(ITestOutputHelper output) : TaskExactSpecification(output)
{
    protected override ITaskTable Create(TaskConfig config) => new TaskTable(config);
}

/// <summary>The reference keeps the table's own rules, which are stated apart from it.</summary>
public sealed class TaskModelProperties(ITestOutputHelper output) : TaskSafeSpecification(output)
{
    protected override ITaskTable Create(TaskConfig config) => new TaskTableModel(config);
}
