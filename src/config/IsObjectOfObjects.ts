import { ValidatorConstraint } from 'class-validator';
import type { ValidatorConstraintInterface } from 'class-validator';
import { isPlainObject } from '../model';

/** `withParams` must be an object whose every value is an object. */
@ValidatorConstraint({ name: 'isObjectOfObjects' })
export class IsObjectOfObjects implements ValidatorConstraintInterface {
  /** True when `value` is a plain object whose every value is a plain object. */
  validate(value: unknown): boolean {
    return isPlainObject(value) && Object.values(value).every((item) => isPlainObject(item));
  }

  /** What the InvalidConfigurationError says about a bad `withParams`. */
  defaultMessage(): string {
    return 'must be an object whose every value is an object (trigger name -> params)';
  }
}
