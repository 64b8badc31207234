import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { WorkflowDefinition } from '../../workflows/kernel/definition';
import { AppError } from '../../libs/common/app-error';
import { toMermaid } from '../../libs/engine/diagram';
import { WorkflowRegistry } from '../../libs/engine/workflow-registry';

@ApiTags('workflows')
@ApiBearerAuth()
@Controller('workflows')
export class WorkflowsController {
  constructor(private readonly registry: WorkflowRegistry) {}

  @Get() list() {
    return this.registry.list().map(summary);
  }

  @Get(':key') one(@Param('key') key: string) {
    if (!this.registry.has(key)) throw AppError.notFound('流程');
    const def = this.registry.latest(key);
    return { ...summary(def), statechart: def.machine.root.definition, mermaid: toMermaid(def) };
  }
}

function summary(def: WorkflowDefinition) {
  return {
    key: def.key,
    version: def.version,
    title: def.title,
    subjectKind: def.subjectKind,
    states: Object.entries(def.states).map(([name, s]) => ({
      name,
      title: s.title,
      actors: s.actors ?? [],
      deadlines: (s.deadlines ?? []).map((d) => ({
        key: d.key,
        title: d.title,
        amount: d.amount,
        unit: d.unit,
        anchor: d.anchor,
        fireEvent: d.fireEvent ?? null,
      })),
    })),
    events: Object.entries(def.events).map(([type, e]) => ({
      type,
      title: e.title,
      system: !!e.system,
      actors: e.actors ?? null,
    })),
  };
}
