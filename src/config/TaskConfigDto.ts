import {
  IsArray,
  IsDefined,
  IsNotEmpty,
  IsOptional,
  IsString,
  Validate,
} from 'class-validator';
import type { Kwargs } from '../model';
import { IsObjectOfObjects } from './IsObjectOfObjects';

/**
 * The class-validator schema of one configuration entry. Each rule's
 * message completes the sentence `directive "<name>" ...`.
 */
export class TaskConfigDto {
  @IsDefined({ message: 'is required' })
  @IsArray({ message: 'must be an array of trigger names' })
  @IsString({ each: true, message: 'must be an array of trigger names (strings)' })
  @IsNotEmpty({ each: true, message: 'must not contain empty trigger names' })
  after!: unknown;

  @IsDefined({ message: 'is required' })
  @IsString({ message: 'must be the name of a registered trigger task' })
  @IsNotEmpty({ message: 'must not be empty' })
  run!: unknown;

  @IsOptional()
  @IsString({ message: 'must be a single trigger name' })
  @IsNotEmpty({ message: 'must not be empty' })
  andEvery?: unknown;

  @IsOptional()
  @IsArray({ message: 'must be an array of trigger names' })
  @IsString({ each: true, message: 'must be an array of trigger names (strings)' })
  unless?: unknown;

  @IsOptional()
  @Validate(IsObjectOfObjects)
  withParams?: Record<string, Kwargs>;

  @IsOptional()
  @IsString({ message: 'must be a runner name' })
  @IsNotEmpty({ message: 'must not be empty' })
  using?: unknown;

  @IsOptional()
  @IsString({ message: 'must be a queue name' })
  @IsNotEmpty({ message: 'must not be empty' })
  queue?: unknown;
}
