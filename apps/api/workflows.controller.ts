import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { WorkflowDefinition } from '../../workflows/kernel/definition';
import { AppError } from '../../libs/common/app-error';
import { toMermaid } from '../../libs/engine/diagram';
import { WorkflowRegistry } from '../../libs/engine/workflow-registry';
import { ApiErrors } from './api-errors.decorator';
import { WorkflowDetail, WorkflowSummary } from './dto/responses';
import { workflowSchemas } from './workflow-schemas';

@ApiTags('workflows')
@ApiBearerAuth()
@Controller('workflows')
export class WorkflowsController {
  constructor(private readonly registry: WorkflowRegistry) {}

  @Get()
  @ApiOperation({ summary: '流程定义列表（环节、事件）' })
  @ApiOkResponse({ type: [WorkflowSummary] })
  list() {
    return this.registry.list().map(summary);
  }

  @Get(':key')
  @ApiOperation({ summary: '流程定义详情：状态图、Mermaid 图，以及发起参数和各事件数据的 JSON Schema（用于生成表单）' })
  @ApiOkResponse({ type: WorkflowDetail })
  @ApiErrors(404)
  one(@Param('key') key: string) {
    if (!this.registry.has(key)) throw AppError.notFound('流程');
    const def = this.registry.latest(key);
    const schemas = schemasOf(def);
    return {
      ...summary(def),
      statechart: def.machine.root.definition,
      mermaid: toMermaid(def),
      inputSchema: schemas.input,
      eventSchemas: Object.fromEntries(schemas.events.map((e) => [e.type, e.data])),
    };
  }
}

/** Definitions never change while the process runs: their schemas are built once. */
const schemaCache = new WeakMap<WorkflowDefinition, ReturnType<typeof workflowSchemas>>();
function schemasOf(def: WorkflowDefinition) {
  if (!schemaCache.has(def)) schemaCache.set(def, workflowSchemas(def));
  return schemaCache.get(def)!;
}

function summary(def: WorkflowDefinition) {
  return {
    key: def.key,
    version: def.version,
    title: def.title,
    subjectKind: def.subjectKind,
    /** Who may open a case by hand: (role, party) pairs. */
    openers: def.openers,
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
